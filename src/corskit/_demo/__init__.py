"""The ``corskit demo`` servers: the FastAPI lesson's API protected by corskit, and the playground page.

- :mod:`.api` builds the API (the lesson's example plus endpoints that show one CORS feature each);
- :mod:`.journal` remembers what the API answered, with corskit's explanation, and prints one line per
  request;
- :mod:`.pages` serves the playground page (``static/``) on an allowed and on a refused origin;
- :mod:`.run` binds the ports and runs the three servers until Ctrl-C.

Private: the command line (``corskit demo``) is the interface.
"""
