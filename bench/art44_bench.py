"""Art 44 clustering on N synthetic requests of one agency: prints the time to cut, weigh and cluster them.

    python -m bench.art44_bench [N]     (default 10000)

The requests are the labelled ones (tests/models/data/art44_pairs.py) with varied villages, projects and years, so
that most are unlike each other, as in an agency's year.
"""

import random
import sys
import time
from datetime import date

from models import art44 as A
from models import similarity as S
from tests.models.data import art44_pairs as D

PLACES = [a + b for a in "东西南北上下前后中新老大小" for b in ("关村", "庄村", "湖片区", "河社区", "山路", "桥街道")]


def requests(n: int, seed: int = 44) -> list[A.Item]:
    rng = random.Random(seed)
    base = D.texts(D.TUNING) + D.texts(D.HELD_OUT) + D.texts(D.BLIND)
    items = []
    for k in range(n):
        text = rng.choice(base).replace("东关村", rng.choice(PLACES)).replace("2025", str(rng.randint(2019, 2026)))
        items.append(A.Item(k, 1, rng.randrange(n), f"2026-{k + 1:06d}", date(2026, 1, 1), text))
    return items


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    items = requests(n)
    S.features("预热")  # jieba's dictionary load is not the clustering's
    start = time.perf_counter()
    clusters = A.clusters(items)
    took = time.perf_counter() - start
    print(f"art44 clusters: {n} requests → {len(clusters)} clusters in {took:.1f} s ({took / n * 1000:.2f} ms a request)")


if __name__ == "__main__":
    main()
