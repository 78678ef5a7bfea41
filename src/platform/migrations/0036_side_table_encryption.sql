-- Side tables hold personal data only encrypted (issue 5; Color Me Shop's data sat where nobody expected, T2/T1).
-- mail_outbox: to_address, subject, text_body, html_body and last_error become vault ciphertexts (written by the app;
-- existing plain rows are encrypted at start). to_bidx: the recipient's blind index, to find a customer's mail.
alter table mail_outbox add column to_bidx text;
create index mail_outbox_to_bidx_idx on mail_outbox (to_bidx);
-- job: the payload is sealed (a vault ciphertext of the JSON) in payload_sealed; payload keeps '{}'.
alter table job add column payload_sealed text;
