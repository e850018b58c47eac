"""Sales models; importing this package registers the sales tables on the metadata."""

from plugins.sales.models.customers import Customer, CustomerGrade, SourceChannel
from plugins.sales.models.units import Building, Unit, UnitState, UnitStateChange

__all__ = [
    "Building",
    "Customer",
    "CustomerGrade",
    "SourceChannel",
    "Unit",
    "UnitState",
    "UnitStateChange",
]
