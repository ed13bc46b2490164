"""CamCount's Qt console. Imports ``workers``; nothing imports it back."""

import os as _os

# opencv-python's wheel points Qt at the Qt 5 plugins it bundles (QT_QPA_PLATFORM_PLUGIN_PATH,
# QT_QPA_FONTDIR) when cv2 is imported, and PySide6 then fails to load its own xcb platform
# plugin. Import cv2 once here, before any QApplication exists, and undo that.
_qt_env = {k: _os.environ.get(k) for k in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR")}
import cv2 as _cv2  # noqa: E402,F401

for _key, _value in _qt_env.items():
    if _value is None:
        _os.environ.pop(_key, None)
    else:
        _os.environ[_key] = _value

# PySide6's import hook reads the source of every module imported after it, unwrapping the
# module's attributes; on pydantic's lazy attributes that re-enters pydantic mid-import and fails
# ("partially initialized module pydantic._internal._validators"). Load pydantic's lazy parts
# before any console module imports Qt.
import pydantic as _pydantic  # noqa: E402

_pydantic.BaseModel, _pydantic.TypeAdapter, _pydantic.Field  # noqa: B018
