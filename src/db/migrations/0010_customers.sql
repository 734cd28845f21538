-- The customer list (src/customers): search and sorting over the whole customer base, fresh from the tables that
-- hold each value (no copy to keep in step). Each sort walks one index in order and stops after the page; filters
-- on other tables are probed per customer by their primary keys.
--
-- Search and the name sort use lower-cased text in the C collation: a b-tree in C order serves both
-- `LIKE 'prefix%'` (as a range) and ORDER BY, needs no extension (pg_trgm is not available on every engine), and
-- orders names the same on PGlite and on any server locale. Substring search is a scan, on request only.
CREATE INDEX customers_name_sort_idx ON customers ((lower(coalesce(name, '')) COLLATE "C"), id);
CREATE INDEX customers_company_search_idx ON customers ((lower(company) COLLATE "C"));
CREATE INDEX customers_external_id_search_idx ON customers ((lower(external_id) COLLATE "C"));
CREATE INDEX customers_email_search_idx ON customers ((lower(email) COLLATE "C"));

-- Sorting by the current analysis' P(alive) and CLV. CLV is ranked in the reporting currency: the list walks each
-- currency's CLVs in order and merges them converted, so the index leads with the currency.
CREATE INDEX customer_scores_p_alive_idx ON customer_scores (analysis_run_id, p_alive, customer_id);
CREATE INDEX customer_scores_clv_idx ON customer_scores (analysis_run_id, currency, clv, customer_id);
