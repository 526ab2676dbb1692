def test_clerk_logs_in_and_sees_vietnamese_home(web):
    web.login("vanthu.binhson")
    page = web.get("/")
    assert page.status_code == 200
    assert "Hệ thống quản lý văn bản và điều hành" in page.text
    assert "Ủy ban nhân dân huyện Bình Sơn" in page.text
