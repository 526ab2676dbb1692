"""Điều hành (NĐ 30 Đ23–24): routing incoming documents, deadlines, processing."""
