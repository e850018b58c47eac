"""The customer-service tables every area shares: the rep of each household (CS-01), the
contract (CS-04) and its receivables (CS-09). An area's own tables live in its package."""

from plugins.customer_service.models.contracts import Contract, ContractStatus
from plugins.customer_service.models.receivables import Instalment, InstalmentKind
from plugins.customer_service.models.staffing import Household

__all__ = ["Contract", "ContractStatus", "Household", "Instalment", "InstalmentKind"]
