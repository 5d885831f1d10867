from safeguard.core.admin import register_app_read_only

register_app_read_only("front_door")
