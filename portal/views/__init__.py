"""The portal's pages, one module per area; look-ups the pages share are in ``queries``."""
