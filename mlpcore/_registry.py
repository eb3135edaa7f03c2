"""The name → object lookup behind :func:`mlpcore.activations.get` and
:func:`mlpcore.losses.get`."""


def lookup(value, registry, cls, kind):
    """``value`` if it is a ``cls``, else the entry of ``registry`` it names.

    ``kind`` ("activation", "loss") names the thing in error messages.
    """
    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        if value not in registry:
            raise ValueError(
                f"unknown {kind} {value!r}; expected one of {sorted(registry)} "
                f"or a {cls.__name__} object"
            )
        return registry[value]
    an = "an" if kind[0] in "aeiou" else "a"
    raise TypeError(
        f"{an} {kind} must be a name or {an} {cls.__name__}; got {type(value).__name__}"
    )
