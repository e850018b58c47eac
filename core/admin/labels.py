"""Display labels of stored codes (enum values): ``{{ order.status|label }}`` shows the label
a plugin registered, in the user's language, and the code itself when none was registered."""

_labels: dict[str, object] = {}


def register(labels: dict) -> None:
    """Register ``{code: lazy_gettext label}``; plugins call it when their module loads."""
    _labels.update({str(code): text for code, text in labels.items()})


def label(value) -> str:
    return str(_labels.get(str(value), value))
