"""What the actions do: access lists, the proof-of-work challenge and pass token, the pages a
visitor sees, decoy canaries and the rule breaker."""
