from ninja import NinjaAPI

api = NinjaAPI(title="督察整改闭环管理系统 API", version="1.0", urls_namespace="api")
