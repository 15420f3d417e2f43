print("visualize: not yet")
