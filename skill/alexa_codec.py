"""Alexa envelopes between JSON-ready dicts and ask-sdk model objects, without the SDK's per-call cost.

The results are those of ask_sdk_core's DefaultSerializer (tests/test_alexa_codec.py compares the two
on every request the tests send and on generated ones), but each type's plan is worked out once and
kept: the SDK imports the class by name, rebuilds its attribute map and walks every field through a
generic dispatch for every object of every request, and that was the largest single cost of answering
Alexa. Payloads of an unexpected shape (a string where a model belongs) go to the SDK itself, so odd
input gets exactly the SDK's treatment.
"""
from __future__ import annotations

import decimal
import importlib
import re
from datetime import date, datetime
from enum import Enum
from typing import Any, Callable

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer

_NATIVE = {"int": int, "long": int, "float": float, "str": str, "bool": bool,
           "date": date, "datetime": datetime, "object": object}
_PRIMITIVE = (float, bool, bytes, str, int)
_SIMPLE = {"str": str, "bool": bool, "int": int, "float": float}
_DICT_TYPE = re.compile(r"dict\(([^,]*), (.*)\)")

Reader = Callable[[Any], Any]


class SdkSerializer(DefaultSerializer):
    """The SDK's serializer, with Alexa's ISO 8601 timestamps read by the standard library: the SDK's
    general date parser (dateutil) was a third of the cost of reading a request envelope."""

    def _DefaultSerializer__deserialize_datetime(self, payload, obj_type):   # the SDK's private hook
        parsed = _iso_datetime(payload, obj_type)
        if parsed is not None:
            return parsed
        return super()._DefaultSerializer__deserialize_datetime(payload, obj_type)


def _iso_datetime(payload: Any, obj_type: type) -> date | datetime | None:
    if isinstance(payload, str):
        try:
            parsed = datetime.fromisoformat(payload.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed.date() if obj_type is date else parsed
    return None


class ModelCodec:
    """read(payload, "ask_sdk_model.RequestEnvelope") -> model; write(model) -> JSON-ready value."""

    def __init__(self) -> None:
        self.sdk = SdkSerializer()
        self._readers: dict[str, Reader] = {}
        self._fields: dict[type, tuple[tuple[tuple[str, str, str, type | None], ...], frozenset[str]]] = {}
        self._keys: dict[type, tuple[tuple[str, str], ...]] = {}

    # --- dict -> model ----------------------------------------------------------------------

    def read(self, payload: Any, type_name: str | type) -> Any:
        """Raises SerializationException, as the SDK does, when the payload does not fit the type."""
        name = type_name if isinstance(type_name, str) else f"{type_name.__module__}.{type_name.__name__}"
        try:
            return self._read(payload, name)
        except SerializationException:
            raise
        except Exception as e:
            raise SerializationException(str(e)) from None

    def _read(self, payload: Any, type_name: str) -> Any:
        if payload is None:
            return None
        reader = self._readers.get(type_name)
        if reader is None:
            reader = self._readers[type_name] = self._compile(type_name)
        return reader(payload)

    def _compile(self, type_name: str) -> Reader:
        if type_name.startswith("list["):
            inner = type_name[len("list["):-1]
            if "," in inner:            # lists of mixed types: rare, left to the SDK
                return lambda payload: self.sdk._DefaultSerializer__deserialize(payload, type_name)
            inner = inner.strip()
            return lambda payload: [self._read(item, inner) for item in payload]
        if type_name.startswith("dict("):
            match = _DICT_TYPE.match(type_name)
            if match is None:
                return lambda payload: {}
            inner = match.group(2)
            return lambda payload: {key: self._read(value, inner) for key, value in payload.items()}
        cls = _NATIVE.get(type_name) or _load_class(type_name)
        if cls is object:
            return lambda payload: payload
        if cls in (date, datetime):
            return lambda payload: self.sdk._DefaultSerializer__deserialize_datetime(payload, cls)
        if cls in _PRIMITIVE:
            return lambda payload: _primitive(payload, cls)
        if issubclass(cls, Enum):
            return cls
        if hasattr(cls, "deserialized_types"):
            return lambda payload: self._model(payload, cls)
        return lambda payload: payload

    def _model(self, payload: Any, cls: type) -> Any:
        if not isinstance(payload, dict):
            return self.sdk._DefaultSerializer__deserialize(payload, cls)
        if hasattr(cls, "get_real_child_model"):
            child = cls.get_real_child_model(payload)
            if not child:
                raise SerializationException(f"Couldn't resolve object by discriminator type for {cls} class")
            cls = _load_class(child)
        fields, known = self._fields.get(cls) or self._plan_fields(cls)
        model = cls()
        for attr, key, type_name, simple in fields:
            if key in payload:
                value = payload[key]
                # a str, bool, int or float field given a value of exactly that type: kept as it is
                setattr(model, attr, value if type(value) is simple else self._read(value, type_name))
        for key in payload.keys() - known:      # the SDK keeps fields it does not know, as given
            setattr(model, key, payload[key])
        return model

    def _plan_fields(self, cls: type):
        names = _attribute_map(cls)
        types = cls.deserialized_types
        plan = (tuple((attr, key, types[attr], _SIMPLE.get(types[attr])) for attr, key in names.items()),
                frozenset(names.values()))
        self._fields[cls] = plan
        return plan

    # --- model -> dict ----------------------------------------------------------------------

    def write(self, obj: Any) -> Any:
        if obj is None or isinstance(obj, _PRIMITIVE):
            return obj
        if isinstance(obj, list):
            return [self.write(item) for item in obj]
        if isinstance(obj, dict):
            return {key: self.write(value) for key, value in obj.items()}
        if isinstance(obj, tuple):
            return tuple(self.write(item) for item in obj)
        if isinstance(obj, (datetime, date)):
            return obj.isoformat()
        if isinstance(obj, Enum):
            return obj.value
        if isinstance(obj, decimal.Decimal):
            return int(obj) if obj % 1 == 0 else float(obj)
        keys = self._keys.get(type(obj))
        if keys is None:
            keys = self._keys[type(obj)] = tuple(_attribute_map(obj).items())
        out = {}
        for attr, key in keys:
            value = getattr(obj, attr)
            if value is not None:
                out[key] = value if type(value) in _PRIMITIVE else self.write(value)
        return out


def _attribute_map(model_or_class) -> dict[str, str]:
    """Model attribute name -> JSON key, for every field in deserialized_types (SDK order)."""
    given = getattr(model_or_class, "attribute_map", {})
    return {attr: given.get(attr, attr) for attr in model_or_class.deserialized_types}


def _load_class(name: str) -> type:
    module, _, cls = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module), cls)
    except (ImportError, AttributeError, ValueError) as e:
        raise SerializationException(f"Unable to resolve class {name} from installed modules: {e}") from None


def _primitive(payload: Any, cls: type) -> Any:
    try:
        return cls(payload)
    except TypeError:
        return payload
    except ValueError:
        raise SerializationException(f"Failed to parse {payload} into '{cls.__name__}' object") from None
