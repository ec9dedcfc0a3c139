"""Texts of members' data rights: the label that replaces a forgotten member, and /mydata."""

TEXTS: dict[str, dict[str, str]] = {
    "forgotten_member": {
        "zh-CN": "已删除的成员",
        "en": "former member",
    },
}
