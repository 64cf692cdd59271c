"""Demo data: ``people`` makes plausible people and companies, ``plan`` describes the world."""
