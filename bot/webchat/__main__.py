import sys

from bot.webchat.app import main

sys.exit(main())
