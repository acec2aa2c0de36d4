"""The ASGI entry point: the REST API with the web UI mounted (uvicorn kechuang.main:app)."""

from kechuang.app import create_api
from kechuang.ui_app import configure_ui

app = create_api()
configure_ui(app)
