"""Imports every module that defines tables, so that SQLModel.metadata knows the whole schema."""

import models.archive  # noqa: F401
import models.art44  # noqa: F401
import models.audit  # noqa: F401
import models.mock_tables  # noqa: F401
import models.outbox  # noqa: F401
import models.sessions  # noqa: F401
import models.statistics.tables  # noqa: F401
import models.triggers  # noqa: F401
import models.tables  # noqa: F401
