"""Menu helpers. Labels are plain msgids translated when the menu is drawn (FAB calls
``_()`` on each label), marked with ``N_`` so ``pybabel extract`` finds them."""

from __future__ import annotations

from flask_appbuilder.menu import Menu


def N_(message: str) -> str:
    """Mark a string for extraction; FAB translates it at render time."""
    return message


MENU_LABELS = [N_("Directory"), N_("Agencies"), N_("Departments"), N_("Users")]


def move_menu_item(menu: Menu, item_name: str, category_name: str) -> None:
    """Move a menu entry (e.g. FAB's "List Users") into another category and drop the
    category it leaves if that becomes empty."""
    target = menu.find(category_name)
    for category in list(menu.menu):
        for child in list(category.childs or []):
            if child.name == item_name and category is not target:
                category.childs.remove(child)
                target.childs.append(child)
                child.label = N_("Users")
