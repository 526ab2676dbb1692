"""Document registry per Nghị định 30/2020: catalogues, registers, gap-free numbering,
văn bản đi and văn bản đến. Screens and the REST API call these services; the rules of
the decree live here, once."""
