"""Pure functions from models to Block Kit messages. No I/O, no clock: `now` is passed in."""
