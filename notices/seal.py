"""A demo seal image: a red ring, the agency's name along the top, a star, and 演示专用 — never a real seal.

Made by `gongkai init --demo` for the demo agency so the demo notices show where a seal goes; an office
loads its own seal image with `gongkai agency set NAME --seal-image FILE` (a PNG with transparency).
"""

import math
from pathlib import Path

RED = (215, 25, 32, 225)  # slightly translucent: the 署名 and 成文日期 show through, as under a stamped seal


def _star(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    points = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.382
        angle = -math.pi / 2 + k * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def make_demo_seal(name: str, target: Path, *, font: Path, size: int = 600) -> Path:
    """Draw the demo seal of `name` as a transparent PNG at `target`."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    c, ring = size / 2, size * 0.035
    draw.ellipse((ring / 2, ring / 2, size - ring / 2, size - ring / 2), outline=RED, width=int(ring))
    draw.polygon(_star(c, c, size * 0.17), fill=RED)
    span = math.radians(250)  # the name runs along the upper arc, from lower left to lower right
    glyph = int(min(size * 0.13, (c - ring - size * 0.1) * span / len(name) * 0.92))  # long names: smaller
    face = ImageFont.truetype(str(font), glyph)
    radius = c - ring - glyph * 0.75
    for i, ch in enumerate(name):
        angle = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(name)
        tile = Image.new("RGBA", (glyph * 2, glyph * 2), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((glyph, glyph), ch, font=face, fill=RED, anchor="mm")
        tile = tile.rotate(-math.degrees(angle + math.pi / 2), resample=Image.BICUBIC)
        x, y = c + radius * math.cos(angle), c + radius * math.sin(angle)
        img.alpha_composite(tile, (int(x - glyph), int(y - glyph)))
    small = ImageFont.truetype(str(font), int(size * 0.07))
    draw.text((c, c + size * 0.29), "演示专用", font=small, fill=RED, anchor="mm")
    target.parent.mkdir(parents=True, exist_ok=True)
    img.save(target)
    return target
