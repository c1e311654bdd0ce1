"""Settings per environment: base (shared), dev, test, prod. DJANGO_SETTINGS_MODULE picks one."""
