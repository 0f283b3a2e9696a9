"""挂牌督办, the government side: listing a 重大隐患, its 五落实 checks, and 销号 after verification."""

from flask import Blueprint

bp = Blueprint("supervision", __name__)
