print("auctionlab")
