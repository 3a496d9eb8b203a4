"""Operations: the execution log of the workers' tasks, and the claims that make a
scheduled task run once per period however many times it is sent."""
