;; T2/T5 card-number scan: SIMD pre-filter (source of classify-wasm.ts; rebuild with
;; `wat2wasm src/platform/card-numbers/classify.wat -o - | base64 -w0` from Debian's wabt and paste the result there).
;;
;; classify runs twice: once with the card-byte tables (masks for spans), once with the digit-byte tables
;; (masks for keep).
;;
;; spans(words, masks, out) -> n: reads `words` 64-bit masks and writes n pairs (start, end) of byte positions
;; (i32) to memory[out..] for every maximal stretch of set bits at least 13 long (the shortest card number);
;; a stretch still open after the last word is written last with end = words * 64 (the caller clips it).
;;
;; classify(len, out, tables): for every 16 input bytes at memory[0..len), writes a 16-bit mask to
;; memory[out..]: bit k set = byte k may be part of a written card number. Membership is a "shufti" lookup:
;; one 16-byte table by low nibble at memory[tables], one by high nibble at memory[tables + 16]; a byte is
;; in the set when the two share a bit. The tables are built in classify-wasm.ts from the byte set that
;; platform/card-numbers/shape-bytes.ts derives from the one definition of card-number shapes.
(module
  (memory (export "memory") 40)
  (func (export "classify") (param $len i32) (param $out i32) (param $tables i32)
    (local $i i32)
    (local $v v128)
    (local $m v128)
    (local $lo v128)
    (local $hi v128)
    (local.set $lo (v128.load (local.get $tables)))
    (local.set $hi (v128.load offset=16 (local.get $tables)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $v (v128.load (local.get $i)))
        (local.set $m
          (v128.and
            (i8x16.swizzle
              (local.get $lo)
              (v128.and (local.get $v) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
            (i8x16.swizzle
              (local.get $hi)
              (i8x16.shr_u (local.get $v) (i32.const 4)))))
        (i32.store16
          (i32.add (local.get $out) (i32.shr_u (local.get $i) (i32.const 3)))
          (i8x16.bitmask (i8x16.ne (local.get $m) (v128.const i64x2 0 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))
  (func (export "spans") (param $words i32) (param $masks i32) (param $out i32) (result i32)
    (local $w i32) (local $m i64) (local $base i32) (local $run i32) (local $n i32)
    (local $lead i32) (local $trail i32) (local $inner i64) (local $r i64) (local $bits i64) (local $s i32) (local $l i32)
    (local.set $run (i32.const -1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $w) (local.get $words)))
        (local.set $m (i64.load (i32.add (local.get $masks) (i32.shl (local.get $w) (i32.const 3)))))
        (local.set $base (i32.shl (local.get $w) (i32.const 6)))
        (local.set $w (i32.add (local.get $w) (i32.const 1)))
        (if (i64.eqz (local.get $m))
          (then
            (if (i32.ge_s (local.get $run) (i32.const 0))
              (then
                (if (i32.ge_s (i32.sub (local.get $base) (local.get $run)) (i32.const 13))
                  (then
                    (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (local.get $run))
                    (i32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (local.get $base))
                    (local.set $n (i32.add (local.get $n) (i32.const 1)))))
                (local.set $run (i32.const -1))))
            (br $next)))
        (if (i64.eq (local.get $m) (i64.const -1))
          (then
            (if (i32.lt_s (local.get $run) (i32.const 0)) (then (local.set $run (local.get $base))))
            (br $next)))
        (local.set $inner (local.get $m))
        (if (i32.ge_s (local.get $run) (i32.const 0))
          (then
            (local.set $lead (i32.wrap_i64 (i64.ctz (i64.xor (local.get $m) (i64.const -1)))))
            (if (i32.ge_s (i32.sub (i32.add (local.get $base) (local.get $lead)) (local.get $run)) (i32.const 13))
              (then
                (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (local.get $run))
                (i32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (i32.add (local.get $base) (local.get $lead)))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))))
            (local.set $run (i32.const -1))
            ;; drop the leading ones (lead < 64 since m is not all ones)
            (local.set $inner (i64.and (local.get $m)
              (i64.xor (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $lead))) (i64.const 1)) (i64.const -1))))))
        (local.set $trail (i32.wrap_i64 (i64.clz (i64.xor (local.get $m) (i64.const -1)))))
        (if (i32.gt_s (local.get $trail) (i32.const 0))
          (then
            (local.set $run (i32.sub (i32.add (local.get $base) (i32.const 64)) (local.get $trail)))
            (local.set $inner (i64.and (local.get $inner) (i64.shr_u (i64.const -1) (i64.extend_i32_u (local.get $trail)))))))
        ;; stretches of 13 inside the word: shift-and chain 1 + 1 + 2 + 4 + 5
        (local.set $r (i64.and (local.get $inner) (i64.shr_u (local.get $inner) (i64.const 1))))
        (local.set $r (i64.and (local.get $r) (i64.shr_u (local.get $r) (i64.const 2))))
        (local.set $r (i64.and (local.get $r) (i64.shr_u (local.get $r) (i64.const 4))))
        (local.set $r (i64.and (local.get $r) (i64.shr_u (local.get $r) (i64.const 5))))
        (if (i64.ne (local.get $r) (i64.const 0))
          (then
            (local.set $bits (local.get $inner))
            (block $bdone
              (loop $bnext
                (br_if $bdone (i64.eqz (local.get $bits)))
                (local.set $s (i32.wrap_i64 (i64.ctz (local.get $bits))))
                (local.set $l (i32.wrap_i64 (i64.ctz (i64.xor (i64.shr_u (local.get $bits) (i64.extend_i32_u (local.get $s))) (i64.const -1)))))
                (if (i32.ge_s (local.get $l) (i32.const 13))
                  (then
                    (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (i32.add (local.get $base) (local.get $s)))
                    (i32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (i32.add (i32.add (local.get $base) (local.get $s)) (local.get $l)))
                    (local.set $n (i32.add (local.get $n) (i32.const 1)))))
                (local.set $bits (i64.and (local.get $bits)
                  (i64.xor (i64.shl (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $l))) (i64.const 1)) (i64.extend_i32_u (local.get $s))) (i64.const -1))))
                (br $bnext)))))
        (br $next)))
    (if (i32.ge_s (local.get $run) (i32.const 0))
      (then
        (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (local.get $run))
        (i32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (i32.shl (local.get $words) (i32.const 6)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))))
    (local.get $n))
  ;; keep(n, spans, dmasks, tail) -> m: keeps, in place and in order, the spans (start, end) among the n at
  ;; memory[spans..] that hold at least 13 bytes marked in the masks at memory[dmasks..] (bytes that can begin
  ;; a digit: a card number has 13 digits or more), and every span that ends at or after `tail` (it may go on
  ;; in the next chunk). Returns how many were kept.
  (func (export "keep") (param $n i32) (param $spans i32) (param $dmasks i32) (param $tail i32) (result i32)
    (local $i i32) (local $m i32) (local $s i32) (local $e i32) (local $w i32) (local $last i32)
    (local $lo i32) (local $hi i32) (local $bits i64) (local $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (i32.load (i32.add (local.get $spans) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $e (i32.load offset=4 (i32.add (local.get $spans) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $count (i32.const 0))
        (local.set $w (i32.shr_u (local.get $s) (i32.const 6)))
        (local.set $last (i32.shr_u (i32.sub (local.get $e) (i32.const 1)) (i32.const 6)))
        (block $cdone
          (loop $cnext
            (br_if $cdone (i32.gt_u (local.get $w) (local.get $last)))
            (br_if $cdone (i32.ge_u (local.get $count) (i32.const 13)))
            (local.set $bits (i64.load (i32.add (local.get $dmasks) (i32.shl (local.get $w) (i32.const 3)))))
            ;; keep bits [lo, hi) of this word
            (local.set $lo (i32.sub (local.get $s) (i32.shl (local.get $w) (i32.const 6))))
            (if (i32.lt_s (local.get $lo) (i32.const 0)) (then (local.set $lo (i32.const 0))))
            (local.set $hi (i32.sub (local.get $e) (i32.shl (local.get $w) (i32.const 6))))
            (if (i32.lt_s (local.get $hi) (i32.const 64))
              (then (local.set $bits (i64.and (local.get $bits)
                (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $hi))) (i64.const 1))))))
            (local.set $bits (i64.shr_u (local.get $bits) (i64.extend_i32_u (local.get $lo))))
            (local.set $count (i32.add (local.get $count) (i32.wrap_i64 (i64.popcnt (local.get $bits)))))
            (local.set $w (i32.add (local.get $w) (i32.const 1)))
            (br $cnext)))
        (if (i32.or (i32.ge_u (local.get $count) (i32.const 13)) (i32.ge_u (local.get $e) (local.get $tail)))
          (then
            (i32.store (i32.add (local.get $spans) (i32.shl (local.get $m) (i32.const 3))) (local.get $s))
            (i32.store offset=4 (i32.add (local.get $spans) (i32.shl (local.get $m) (i32.const 3))) (local.get $e))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $m))
)
