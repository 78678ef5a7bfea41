-- Issue 16: the delivery time slot (時間帯指定) the shopper chose at checkout, e.g. 'am' or '14-16'; null: none.
alter table orders add column delivery_slot text
  check (delivery_slot is null or delivery_slot in ('am', '12-14', '14-16', '16-18', '18-20', '19-21'));
