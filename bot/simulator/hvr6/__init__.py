"""A fake HVR 6 Hub Server (DESIGN §8): one hub `hvrhub`, user demo/demo, a deterministic mix."""
