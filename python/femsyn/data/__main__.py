"""``python -m femsyn.data {where,verify,make-sample}``: see :mod:`femsyn.data.tool`."""

from femsyn.data.tool import main

raise SystemExit(main())
