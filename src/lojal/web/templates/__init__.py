"""The Jinja2 templates of the web pages."""

from pathlib import Path

from fastapi.templating import Jinja2Templates

TEMPLATE_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
