"""Load a class named by a setting (or a stored payload): import it and check its kind.

:func:`import_class` is Django's ``import_string`` plus an "is a subclass of"
check, failing with a :class:`~django_ses.exceptions.ClassLoadError` (also
``ImproperlyConfigured``) that says which setting named what, and what was
expected instead.
"""

from __future__ import annotations

from typing import TypeVar

from django.utils.module_loading import import_string

from django_ses.exceptions import ClassLoadError

__all__ = ["import_class"]

T = TypeVar("T")


def import_class(value: object, accepts: type[T], *, named_by: str, expected: str) -> type[T]:
    """The class ``value`` names (a dotted path, or the class itself), a subclass of ``accepts``.

    ``named_by`` says where the value was written (``"AWS_SES_INBOUND_HANDLER"``),
    ``expected`` what it should be (``"a handler class: subclass …"``); both go
    into the error. Raises :class:`~django_ses.exceptions.ClassLoadError` with
    ``import_failed=True`` when the path can't be imported (a missing module, or
    one failing to import), ``import_failed=False`` when it is not the right class.
    """
    path = value if isinstance(value, str) else _dotted_path(value)
    found: object = value
    if isinstance(value, str):
        try:
            found = import_string(value)
        except Exception as exc:  # ImportError, or the module itself failing to import
            raise ClassLoadError(
                f"{named_by} = {value!r} can't be imported: {exc}",
                path=path,
                import_failed=True,
            ) from exc
    if not (isinstance(found, type) and issubclass(found, accepts)):
        raise ClassLoadError(f"{named_by} = {value!r} is not {expected}", path=path)
    return found


def _dotted_path(value: object) -> str:
    module = getattr(value, "__module__", None)
    name = getattr(value, "__qualname__", None)
    return f"{module}.{name}" if module and name else repr(value)
