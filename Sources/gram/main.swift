print("gram: not yet")
