"""Imports every module that defines tables, so that SQLModel.metadata knows the whole schema."""

import models.tables  # noqa: F401
