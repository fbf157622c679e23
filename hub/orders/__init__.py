"""Orders in the hub: storing canonical orders, their line projection and their timeline."""
