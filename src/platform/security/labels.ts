import type { Locale } from '../i18n/index.ts';
import type { SecurityEventKind } from './event-stream.ts';

/** A readable name and one line on what it means, for operators who read Japanese (or English), not codes. */
export interface Label {
  ja: string;
  en: string;
  jaHint: string;
  enHint: string;
}

const l = (ja: string, en: string, jaHint: string, enHint: string): Label => ({ ja, en, jaHint, enHint });

/** Every security-event kind of the stream (src/platform/security/event-stream.ts). */
// A kind added to the stream without a label fails to compile (satisfies below).
const kindLabels = {
  'auth.sign_in.success': l('ログイン成功', 'Signed in', 'お客様またはスタッフがログインしました。', 'A customer or staff member signed in.'),
  'auth.sign_in.failure': l('ログイン失敗', 'Sign-in failed', 'パスワードの誤りなどでログインできませんでした。続く場合は総当たり攻撃の可能性があります。', 'A wrong password or unknown account. Many in a row may be a password-guessing attack.'),
  'auth.lockout': l('アカウント一時ロック', 'Account locked', '失敗が続いたため、アカウントへのログインを一時的に止めました。', 'Too many failures: sign-ins to the account were paused.'),
  'auth.throttled': l('ログイン制限', 'Sign-in slowed down', '短時間に試行が多すぎたため、待ってもらいました。', 'Too many tries in a short time; the client was asked to wait.'),
  'auth.2fa.failure': l('2段階認証の失敗', 'Two-step code wrong', 'パスワードは正しいが確認コードが誤っていました。パスワード漏えいの可能性があります。', 'The password was right but the code was wrong: the password may have leaked.'),
  'auth.recovery_code.used': l('予備コードの使用', 'Recovery code used', '2段階認証の予備コードでログインしました。本人か確認してください。', 'Someone signed in with a recovery code; check it was the account holder.'),
  'auth.passkey.added': l('パスキーの登録', 'Passkey added', 'スタッフまたはお客様がパスキーを登録しました。本人の操作か確認してください。', 'A staff member or customer added a passkey; check it was them.'),
  'auth.passkey.removed': l('パスキーの削除', 'Passkey removed', 'パスキーが削除されました。本人の操作か確認してください。', 'A passkey was removed; check it was the account holder.'),
  'auth.passkey.failure': l('パスキー認証の失敗', 'Passkey refused', 'パスキーでの認証が拒否されました(別のサイトからの中継、古い要求、未登録の鍵など)。続く場合はフィッシングサイトの可能性があります。', 'A passkey ceremony was refused (relayed from another site, stale, or an unknown key). Repeated ones may be a phishing site.'),
  'auth.passkey.fallback': l('パスキー必須なのにコードで認証', 'Code used while passkeys are required', 'パスキー必須の設定なのに、確認コードや予備コードでログインしました。パスキーを失くした本人か、フィッシングで中継された可能性があります。本人に確認してください。', 'Passkeys are required, yet a code was used to sign in: a lost passkey, or a relayed phishing page. Check with the staff member.'),
  'auth.step_up.failure': l('再認証の失敗', 'Re-authentication failed', '重要な操作の前の再確認に失敗しました。', 'The extra check before a sensitive action failed.'),
  'auth.password_reset.requested': l('パスワード再設定の依頼', 'Password reset requested', 'パスワード再設定のメールが依頼されました。', 'A password-reset mail was requested.'),
  'access.permission_denied': l('権限のない操作', 'Permission denied', 'スタッフが権限のない画面や操作を試みました。', 'A staff member tried a page or action their role does not allow.'),
  'card_guard.refused': l('カード番号の入力を拒否', 'Card number refused', 'カード番号らしき入力を保存せずに拒否しました（カード番号は当店に保存しません）。', 'Input that looked like a card number was refused and not stored.'),
  'payment.card_declined': l('カード決済の拒否', 'Card declined', 'カード会社が決済を断りました。多発する場合はカードの不正利用テストの疑いがあります。', 'The card issuer declined. Many at once may be card testing.'),
  'payment.3ds_failed': l('本人認証（3-Dセキュア）の失敗', '3-D Secure failed', 'カードの本人認証に失敗しました。', 'The card holder check (3-D Secure) failed.'),
  'payment.card_testing_limit': l('カード試行の上限', 'Card-testing limit hit', '同じ相手からのカード決済の試行が上限に達し、止めました。', 'Too many card attempts from one client; further attempts were stopped.'),
  'csp.report': l('ページの安全ルール違反の報告（CSP）', 'Page safety rule report (CSP)', 'ブラウザが、許可していないスクリプトなどの読み込みを止めて報告しました。', 'A browser blocked something the page did not allow (e.g. an unknown script) and reported it.'),
  'integrity.finding': l('ファイル改ざんの検知', 'File change detected', '公開しているプログラムやファイルが、署名済みの内容と違います。カード決済は自動で止まります。', 'A served or code file differs from the signed release. Card checkout stops automatically.'),
  'page_watch.finding': l('決済ページの変化の検知', 'Payment page changed', '決済ページの中身が承認済みの状態と違います。', 'The payment page differs from its approved state.'),
  'pan_scan.find': l('保存データ中のカード番号らしき数字', 'Card-like number stored', '定期点検で、保存データにカード番号らしき数字が見つかりました。', 'The scheduled scan found a card-like number in stored data.'),
  'pii.reveal': l('個人情報の表示', 'Personal data shown', 'スタッフがマスクされた個人情報を表示しました（記録されます）。', 'A staff member unmasked personal data (recorded).'),
  'export.created': l('データの一括書き出し', 'Bulk export', 'お客様や注文のデータがまとめて書き出されました。', 'Customer or order data was exported in bulk.'),
  'script_inventory.changed': l('外部スクリプト一覧の変更', 'Third-party script list changed', 'お店のページに載せる外部スクリプトの一覧が変わりました。', 'The list of third-party scripts allowed on shop pages changed.'),
  'settings.changed': l('設定の変更', 'Settings changed', 'お店やセキュリティの設定が変更されました。', 'Shop or security settings were changed.'),
  'request.attack': l('攻撃の形をしたアクセス', 'Attack-shaped request', 'SQLインジェクションなど、既知の攻撃の形をしたアクセスがありました。', 'A request shaped like a known attack (e.g. SQL injection).'),
  'probe.not_found_burst': l('存在しないページへの連続アクセス', 'Burst of missing pages', '存在しないページを次々に探すアクセスです。弱点探しの可能性があります。', 'Many requests for pages that do not exist: likely someone probing for weaknesses.'),
  'ban.added': l('アクセス遮断', 'Client banned', '攻撃元からのアクセスを一定時間遮断しました。', 'A client was blocked for a while.'),
  'ban.removed': l('遮断の解除', 'Ban lifted', 'アクセス遮断を解除しました。', 'A ban was lifted.'),
  'auth.stuffing_distributed': l('分散したなりすましログイン', 'Distributed credential stuffing', '多くの接続元から、少しずつ多くのアカウントへのログイン失敗が続いています。流出したパスワードの使い回しを試す攻撃の可能性があります。', 'Failed sign-ins against many accounts from many networks, a few tries each: likely leaked passwords being tried.'),
  'auth.common_passwords': l('よく使われるパスワードでの試行', 'Common passwords tried', 'よく使われるパスワードでのログイン失敗が普段より多く起きています。', 'More failed sign-ins with well-known passwords than usual.'),
  'payment.card_started': l('カード決済の開始', 'Card payment started', 'お客様がカード決済画面へ進みました（不正利用テストの検知に使います）。', 'A shopper went to the card payment page (used to spot card testing).'),
  'payment.card_paid': l('カード決済の完了', 'Card payment completed', 'カード決済が完了しました。', 'A card payment succeeded.'),
  'payment.card_testing': l('カードの不正利用テストの疑い', 'Card testing suspected', '同じ相手からカード決済の失敗が続いています。盗んだカードが使えるか試している可能性があり、接続元を遮断しました。', 'Repeated declines from one client: likely stolen cards being tested. The client was blocked.'),
  'staff.anomaly': l('スタッフの普段と違う操作', 'Unusual staff activity', '見慣れない接続元からのログイン、営業時間外のログイン、個人情報の表示や出力の集中などがありました。本人の操作か確認してください。', 'A staff sign-in from a new network or outside usual hours, or a burst of data views or exports. Check it was them.'),
  'csp.spike': l('決済ページでの CSP 違反の急増', 'CSP violations spiking on payment pages', 'カート・購入手続き・お支払いのページで、ブラウザが読み込みを止めた報告（CSP 違反）が普段よりずっと多く届いています。カード情報を盗むスクリプトが動こうとしているか、更新でページが壊れた可能性があります。すぐ確認してください。', 'Browsers report many more blocked loads (CSP violations) than usual on the cart, checkout and payment pages: a card skimmer trying to run, or a release that broke the pages. Check now.'),
  'malware_scan.find': l('Web シェル・スキマーの検知', 'Web shell or skimmer found', '定期点検で、署名されていないファイルや保存された内容に、不正なプログラム(Web シェルやカード情報を盗むスクリプト)の特徴が見つかりました。公開ファイルならカード決済は自動で止まります。', 'The scheduled scan found the marks of a web shell or card skimmer in an unsigned file or stored content. If the file is served, card checkout stops automatically.'),
  'drill.run': l('訓練(ドリル)の実施', 'Breach drill run', '攻撃の訓練が行われました。訓練で出たアラートは「訓練」と表示され、自動で閉じられます。', 'A breach drill ran. Its alerts are labelled as drills and closed automatically.'),
  'host.unexpected': l('想定外の待ち受けポートやプロセス', 'Unexpected port or process', 'ストアが開いていない待ち受けポートや子プロセスが見つかりました。バックドアの可能性があります。すぐ確認してください。', 'A listening port or child process the store did not open: possibly a backdoor. Check it now.'),
  'watchdog.silence': l('監視が止まっている', 'A protection stopped running', 'ファイル改ざん検知やバックアップなど、定期的に動くはずの保護が期限までに動いていません。', 'A protection that should run on a schedule (file check, backups...) has not run when due.'),
  'security_events.dropped': l('記録の取りこぼし', 'Events dropped', '負荷が高く、セキュリティ記録の一部を保存できませんでした。', 'Under load, some security events could not be stored.'),
  'edge.bypass': l('WAF を通らないアクセス', 'Request around the WAF', 'お店の前段の防御装置（WAF）を通らずに直接届いたアクセスを拒否しました。ファイアウォールの設定を確認してください。', 'A request reached the store without passing the WAF in front, and was refused. Check the firewall.'),
  'waf.blocked': l('WAF が止めたアクセス', 'Blocked by the WAF', '前段の防御装置（WAF）が攻撃の形をしたアクセスを止めました。お店には届いていません。', 'The WAF in front blocked an attack-shaped request; it never reached the store.'),
} satisfies Record<SecurityEventKind, Label>;
export const eventKindLabels: Record<string, Label> = kindLabels;

/** Every audit action (src/audit/chain.ts) and the emergency actions. */
export const auditActionLabels: Record<string, Label> = {
  'staff.sign_in': l('スタッフのログイン', 'Staff signed in', '管理画面にログインしました。', 'Signed in to the console.'),
  'staff.sign_in_failed': l('スタッフのログイン失敗', 'Staff sign-in failed', 'メールアドレスかパスワードが違いました。', 'Wrong e-mail or password.'),
  'staff.second_factor_failed': l('確認コードの誤り', 'Two-step code wrong', 'パスワードは正しいが確認コードが違いました。', 'Password right, two-step code wrong.'),
  'staff.sign_out': l('ログアウト', 'Signed out', '管理画面からログアウトしました。', 'Signed out of the console.'),
  'staff.step_up': l('重要操作の前の再確認', 'Re-authenticated', '重要な操作の前にパスワードと確認コードを入れ直しました。', 'Entered password and code again before a sensitive action.'),
  'passkey.add': l('パスキーの登録', 'Passkey added', 'スタッフがパスキーを登録しました。', 'A staff member added a passkey.'),
  'passkey.remove': l('パスキーの削除', 'Passkey removed', 'スタッフがパスキーを削除しました。', 'A staff member removed a passkey.'),
  'passkey.policy': l('パスキー必須の設定', 'Passkey requirement changed', 'オーナーが「全スタッフにパスキーを必須にする」設定を変えました。', 'An owner changed whether every staff member must use a passkey.'),
  'staff.password_change': l('パスワード変更', 'Password changed', 'スタッフが自分のパスワードを変えました。', 'A staff member changed their password.'),
  'admin.request': l('管理画面での操作', 'Console action', '管理画面で何かを変更した、または拒否された操作です。詳細で画面と結果を確認できます。', 'A change made in the console, or a refused request; the detail shows the page and result.'),
  'personal_data.view_unmasked': l('個人情報の表示', 'Personal data shown', 'マスクされた個人情報を表示しました。', 'Masked personal data was shown.'),
  'export.customers': l('顧客データの書き出し', 'Customers exported', '顧客データをまとめて書き出しました。', 'Customer data was exported.'),
  'export.orders': l('注文データの書き出し', 'Orders exported', '注文データをまとめて書き出しました。', 'Order data was exported.'),
  'export.audit': l('操作記録の書き出し', 'Audit trail exported', 'この操作記録を書き出しました。', 'This audit trail was exported.'),
  'export.shipping_labels': l('送り状データの書き出し', 'Shipping labels exported', '配送業者向けの送り状データ（お届け先の氏名・住所・電話）を書き出しました。', 'Shipping-label data (ship-to names, addresses, phones) was exported for a carrier.'),
  'tracking.import': l('伝票番号の取り込み', 'Tracking numbers imported', 'CSVの伝票番号で注文を発送済みにしました。', 'Orders were marked shipped from a tracking-number CSV.'),
  'export.requested': l('書き出しの申請', 'Export requested', '上限を超える書き出しがオーナーの承認待ちになりました。', 'An export over the limit awaits an owner.'),
  'export.approved': l('書き出しの承認', 'Export approved', 'オーナーが書き出しを承認しました。', 'An owner approved an export.'),
  'export.denied': l('書き出しの却下', 'Export denied', 'オーナーが書き出しを却下しました。', 'An owner denied an export.'),
  'audit.view': l('操作記録の閲覧', 'Audit trail viewed', 'この操作記録が閲覧されました。', 'The audit trail was viewed.'),
  'settings.change': l('設定の変更', 'Settings changed', 'お店の設定を変更しました。', 'Shop settings were changed.'),
  'permission.change': l('権限の変更', 'Role changed', 'スタッフの役割（権限）を変えました。', 'A staff member’s role was changed.'),
  'audit.checkpoint': l('操作記録の署名', 'Audit trail signed', '操作記録の改ざんを見つけられるよう、定期的に署名しました。', 'The trail was signed so tampering can be found.'),
  'audit.verify_failed': l('操作記録の検証失敗', 'Audit trail check failed', '操作記録が書き換えられた可能性があります。すぐに確認してください。', 'The trail may have been altered. Check at once.'),
  'drill.token_create': l('訓練用トークンの発行', 'Drill token created', '攻撃訓練(omamori drill)に使うトークンを発行しました(24時間有効)。', 'A token for the breach drills (omamori drill) was created (valid 24 h).'),
  'integrity.acknowledge': l('改ざん検知の確認', 'File finding acknowledged', 'ファイル改ざんの検知を確認済みにしました。', 'A file-change finding was acknowledged.'),
  'alert.acknowledge': l('アラートの確認', 'Alert acknowledged', 'アラートを確認済みにしました。', 'An alert was acknowledged.'),
  'alert.resolve': l('アラートの解決', 'Alert resolved', 'アラートを解決済みにしました。', 'An alert was resolved.'),
  'integrity.page_baseline_approve': l('決済ページの承認', 'Payment page approved', '決済ページの今の状態を正しいものとして承認しました。', 'The payment page’s current state was approved.'),
  'script.add': l('外部スクリプトの追加', 'Script added', '外部スクリプトを一覧に追加しました。', 'A third-party script was added.'),
  'script.approve': l('外部スクリプトの承認', 'Script approved', '外部スクリプトを承認しました。', 'A third-party script was approved.'),
  'script.remove': l('外部スクリプトの削除', 'Script removed', '外部スクリプトを一覧から外しました。', 'A third-party script was removed.'),
  'backup.create': l('バックアップ作成', 'Backup taken', '暗号化したバックアップを作りました。', 'An encrypted backup was taken.'),
  'backup.restore': l('バックアップから復元', 'Backup restored', 'バックアップからデータを戻しました。', 'Data was restored from a backup.'),
  'retention.run': l('古い個人情報の削除', 'Old personal data erased', '保存期間を過ぎた個人情報を削除しました。', 'Personal data past its retention period was erased.'),
  'ban.add': l('アクセス遮断（手動）', 'Client banned (by staff)', 'スタッフが接続元を遮断しました。', 'A staff member banned a client.'),
  'ban.remove': l('遮断の解除（手動）', 'Ban lifted (by staff)', 'スタッフが遮断を解除しました。', 'A staff member lifted a ban.'),
  'ban.allow': l('遮断しない接続元の追加', 'Network allow-listed', '遮断の対象にしない接続元（自社など）を追加しました。', 'A network that is never banned was added.'),
  'ban.unallow': l('遮断しない接続元の削除', 'Allow-list entry removed', '遮断しない接続元から外しました。', 'A network was taken off the allow-list.'),
};

/** Mail kinds in the outbox (src/mailbox). */
export const mailKindLabels: Record<string, Label> = {
  'order.confirmation': l('注文確認', 'Order confirmation', 'ご注文を受け付けたことをお客様に知らせるメールです。', 'Tells the customer their order was received.'),
  'order.shipped': l('発送のお知らせ', 'Shipped', '商品を発送したことを知らせるメールです。', 'Tells the customer the order was shipped.'),
  'order.cancelled': l('キャンセルのお知らせ', 'Cancelled', '注文をキャンセルしたことを知らせるメールです。', 'Tells the customer the order was cancelled.'),
  'order.claim': l('ゲスト注文の引き継ぎ確認', 'Guest order claim', 'ゲストで注文した履歴を会員アカウントに引き継ぐための確認リンクを送るメールです。', 'Sends the link that attaches earlier guest orders to an account.'),
  'payments.instructions': l('お支払い番号のご案内', 'Payment number', 'コンビニ決済・Pay-easy のお支払い番号と期限をお客様に知らせるメールです。', 'Sends the convenience-store or Pay-easy payment number and deadline.'),
  'order.refunded': l('返金のお知らせ', 'Refunded', '返金したことを知らせるメールです。', 'Tells the customer a refund was made.'),
  'identity.welcome': l('会員登録のお知らせ', 'Welcome', '会員登録が済んだことを知らせるメールです。', 'Confirms a new customer account.'),
  'identity.register_attempt': l('登録済みアドレスへの登録', 'Sign-up with a known address', '登録済みのアドレスで再び登録が試みられたことを本人に知らせます。', 'Tells the owner of an address that someone tried to sign up with it.'),
  'identity.passkey_changed': l('パスキーの追加・削除', 'Passkey added or removed', 'パスキーの追加や削除を本人に知らせるメールです。', 'Tells the account holder a passkey was added or removed.'),
  'identity.2fa_changed': l('ログイン方法の変更', 'Sign-in method changed', '2段階認証やパスキーの追加・削除を本人に知らせるメールです。', 'Tells the account holder their two-step verification or passkeys changed.'),
  'identity.password_reset': l('パスワード再設定', 'Password reset', 'パスワード再設定のリンクを送るメールです。', 'Sends a password-reset link.'),
  'incident.notice': l('事故のお詫びとお知らせ', 'Incident notice', '情報漏えい等の事故について、影響を受けたお客様に送るお知らせです。', 'Tells an affected customer about a security incident.'),
  'incident.reminder': l('報告期限のお知らせ', 'Report deadline reminder', '個人情報保護委員会への速報・確報の期限が近いことをオーナーに知らせます。', 'Tells the owners a report to the PPC is due soon.'),
  password_reset_required: l('パスワード再設定のお願い', 'Password reset required', '緊急対応でパスワードの再設定をお願いするメールです。', 'Asks for a new password after an emergency action.'),
  security_alert: l('セキュリティアラート', 'Security alert', '攻撃や異常を検知したことをオーナーに知らせるメールです。', 'Tells the owners about a detected attack or anomaly.'),
  security_digest: l('セキュリティ日報', 'Security digest', '1日1回、未確認のアラートと記録の件数をオーナーに知らせます。', 'Once a day: open alerts and signal counts for the owners.'),
  'export.notice': l('書き出しのお知らせ', 'Export notice', 'データの一括書き出しがあったことをオーナーに知らせます。', 'Tells the owners about a bulk export.'),
  'export.request': l('書き出しの承認依頼', 'Export approval request', '上限を超える書き出しの承認をオーナーに依頼します。', 'Asks an owner to approve an export over the limit.'),
  'export.decision': l('書き出しの承認結果', 'Export decision', '書き出しが承認または却下されたことを知らせます。', 'Tells the requester whether an export was approved.'),
};

const emergency = l('緊急対応', 'Emergency action', 'オーナーが全セッションの終了やパスワードの強制再設定を行いました。', 'An owner ended every session or forced password resets.');

const incidentStep = l('事故対応の操作', 'Incident step', 'オーナーが事故対応の画面から封じ込めなどの操作をしました（詳細は事故のタイムライン）。', 'An owner took a step from an incident page (containment and the like; see its timeline).');

export function auditActionLabel(action: string): Label | null {
  return auditActionLabels[action] ?? (action.startsWith('emergency.') ? emergency : action.startsWith('incident.') ? incidentStep : null);
}

export function labelText(label: Label | null | undefined, locale: Locale, fallback: string): string {
  return label ? label[locale] : fallback;
}

export function hintText(label: Label | null | undefined, locale: Locale): string {
  return label ? (locale === 'ja' ? label.jaHint : label.enHint) : '';
}
