"""The REST API documents itself (OpenAPI, Swagger UI served by the app itself)."""


def test_openapi_lists_the_directory_apis(api):
    spec = api.login("qtcq.binhson").get("/api/v1/_openapi")
    assert spec.status_code == 200
    paths = spec.json["paths"]
    for resource in ("agency", "department", "user"):
        assert f"/api/v1/{resource}/" in paths


def test_swagger_ui_is_served_locally(web):
    page = web.login("qtcq.binhson").get("/swagger/v1")
    assert page.status_code == 200
    assert "/static/appbuilder/js/swagger-ui-bundle.js" in page.text
    assert "https://" not in page.text.split("<body", 1)[1].split("SwaggerUIBundle(", 1)[0]


def test_clerk_has_no_api_docs(web):
    page = web.login("vanthu.binhson").get("/swagger/v1")
    assert page.status_code in (302, 403)
