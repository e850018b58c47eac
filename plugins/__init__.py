"""The built-in business plugins; each registers through the ``erp.plugins`` entry points."""
