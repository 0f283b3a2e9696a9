"""安标巡检: the field app for 安全生产标准化."""
