from ninja import NinjaAPI

api = NinjaAPI(title="Wuye API", version="1")
