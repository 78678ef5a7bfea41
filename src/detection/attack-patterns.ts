/**
 * Attack classes after the OWASP CRS rule families (issue 12). Each class is one precompiled regex
 * over a normalized value (URL-decoded, lower-cased, comments and escapes folded). Signals only:
 * nothing here blocks a request (schema validation and bans do that).
 */
export type AttackClass =
  | 'sqli'
  | 'xss'
  | 'traversal'
  | 'template_injection'
  | 'command_injection'
  | 'code_injection'
  | 'java_injection'
  | 'session_fixation'
  | 'scanner'
  | 'sensitive_file'
  | 'backdoor'
  | 'protocol';

const rx = (parts: string[]) => new RegExp(parts.join('|'), 'i');

export const sqliParts = [
  String.raw`\b(?:cos|sin|tan|atan2?|pow|power|rand|random|trim|rtrim|ltrim|strcmp|sysdate|now|user|encode|md5|sha2?|sqrt|abs|ceil(?:ing)?|round|sign|log\d*|ln|mod|pi|degrees|radians|octet_length|bit_length|field|find_in_set|format|space|repeat|left|right|position|curdate|curtime|utc_\w+|uuid|connection_id|current_\w+|database|schema|char|nchar|varchar|count|sum|avg|min|max|benchmark|sleep)\s*\\?=?\s*\(`,
  String.raw`\bselect\s*\(|\bselect\s*\*\s*/|^['"\x60]\s*(?:select|union|or|and|having|order)\b|^['"\x60][!@#][\s\S]{0,3}$|\bselect(?:ect)+\b`,
  String.raw`\b(?:4294967296|4294967295|2147483648|2147483647|2\.2250738585072011e-308|1e309)\b`,
  String.raw`\bcase\s+when\b[\s\S]*\bthen\b|\bexecute\s+immediate\b|\bmerge\s+into\b|\bmatch\s*\([\s\S]*\)\s*against\b`,
  String.raw`union[\s\S]{0,20}select[\s\S]{0,40}from|\bpg_sleep\b|\bwaitfor\b`,
  String.raw`\[\s*\$(?:ne|eq|lt|lte|gt|gte|in|nin|not|nor|where|regex|exists|elemmatch|text|expr|or|and|all|size|type|mod|function|accumulator)\s*\]|^\$(?:ne|eq|lt|lte|gt|gte|in|nin|not|nor|where|regex|exists|elemmatch|text|expr|or|and|all|size|type|mod|function|accumulator)$`,
  String.raw`\bprocedure\s+analyse\b|\bdeclare\s*@|\bas\s+["\x60]?\w+["\x60]?\s+from\s+\w`,
  String.raw`^(?:information_schema|tempdb|msdb|northwind|schema_name|msysaccessobjects|mysql\.db|mysql\.user|pg_catalog|sysobjects|syscolumns|sqlite_master|all_tables|dba_users|v\$version)$`,
  String.raw`\bunion\b[\s(]*(?:all|distinct|select|\()`,
  String.raw`\bselect\b[\s\S]{0,120}?\bfrom\b[\s\S]{0,60}?(?:\bwhere\b|\bdual\b|information_schema|\busers?\b|--|#|;|\bpg_|\bsys)`,
  String.raw`\bselect\s+(?:\*\s*(?:from\b|,|$)|@@|[\w.]+\s*\(|null\b|\d+\s*(?:,|from|$))`,
  String.raw`['"\x60)]\s*(?:or|and|xor|\|\||&&|div|like|rlike|regexp|sounds\s+like)\s*(?:['"\x60(\d@!-]|true|false|null|not\b|\w+\s*(?:=|<|>|like|in\b|is\b|between\b|\())`,
  String.raw`\b(?:or|and|xor)\s+(?:\d+|'[^']*'|"[^"]*"|true|false|null)\s*(?:=|<|>|!=|<>|\blike\b|\bis\b|\brlike\b|\bin\b|\bbetween\b)`,
  String.raw`\b(?:or|and)\s+\d+\s*(?:$|--|#|/\*)`,
  String.raw`;\s*(?:drop|delete|insert|update|shutdown|exec(?:ute)?|declare|create|alter|truncate|select|grant|revoke|rename|begin|set|merge|call|load|handler|use)\b`,
  String.raw`\b(?:sleep|benchmark|pg_sleep|randomblob|extractvalue|updatexml|load_file|json_keys|name_const|sys_eval|utl_inaddr|utl_http|dbms_\w+|ctxsys|xmltype|version|current_user|session_user|system_user|database|schema|user_name|db_name|is_srvrolemember|has_dbaccess|convert_from|make_set|elt|exp|floor|geometrycollection|multipoint|polygon|linestring)\s*\(`,
  String.raw`\bwaitfor\s+(?:delay|time)\b`,
  String.raw`\b(?:into\s+(?:out|dump)file|information_schema|sysobjects|syscolumns|sysusers|msysaccessobjects|pg_catalog|pg_shadow|pg_user|mysql\.user|xp_cmdshell|sp_executesql|sp_oacreate|sp_password|sqlite_master|all_tables|user_tables|sys\.tables|@@version|@@datadir|@@hostname)\b`,
  String.raw`['"\x60]\s*(?:--|#|/\*|;|\|\||::)`,
  String.raw`\b(?:concat(?:_ws)?|group_concat|unhex|hex|char|chr|nchar|ascii|ord|substring|substr|mid|insert|instr|locate|lpad|rpad|reverse|replace|cast|convert|coalesce|ifnull|nullif|if|iif|case|bin|conv|lower|upper|length|len|md5|sha1|encode|decode|compress|uncompress|aes_encrypt|aes_decrypt|des_encrypt|row_count|found_rows|last_insert_id|load_file|char_length|soundex|quote|unicode|string_agg|array_agg|json_agg|jsonb_\w+|json_\w+|to_json|query_to_xml|xmlagg|pg_read_file|lo_import|dblink)\s*\(`,
  String.raw`\b(?:having|group\s+by|order\s+by)\s+[\w'"(]+[\s\S]{0,40}?(?:--|#|/\*|\bselect\b|\d+\s*$)`,
  String.raw`::\s*(?:jsonb?|text|int|varchar|regclass)\b`,
  String.raw`(?:\bjsonb?\b|\))\s*(?:#>>?|@>|<@|\?\||\?&|->>?)\s*'`,
  String.raw`'\s*(?:#>>?|@>|<@|->>?)\s*'`,
  String.raw`\bexec(?:ute)?\s+(?:master|xp_|sp_|@)`,
  String.raw`\b(?:alter|create|drop)\s+(?:table|database|user|procedure|function|view|index|schema|trigger)\b`,
  String.raw`\binsert\s+into\b[\s\S]{0,100}?\b(?:values|select)\b`,
  String.raw`\bdelete\s+from\b`,
  String.raw`\bupdate\s+\w+\s+set\b[\s\S]{0,60}=`,
  String.raw`\b(?:select|union)\b[\s\S]{0,80}?\bfrom\s*\(`,
  String.raw`/\*!\d*`,
  String.raw`\b(?:0x[0-9a-f]{6,}|x'[0-9a-f]{6,}')`,
  String.raw`\bin\s*\(\s*select\b`,
  String.raw`['"]\s*(?:=|<>|!=|<|>)\s*['"]`,
  String.raw`\blike\s+['"]%`,
  String.raw`\bbetween\s+\d+\s+and\s+\d+\s*(?:--|#|$)`,
  String.raw`\b(?:true|false|null)\s*(?:--|#|/\*)`,
];
export const sqliPattern = rx(sqliParts);

export const xssParts = [
  String.raw`(?:^|[\s"'\x60/;>])on[a-z]{3,}\s*=`,
  String.raw`(?:^|[\s"'])formaction\s*=|\bxmlns(?::\w+)?\s*=|<\w+:include\b|xsi:schemalocation`,
  String.raw`<\s*(?:[a-z]\s){2,}[a-z]`,
  String.raw`vmlframe|<\w*:\w*frame`,
  String.raw`(?!javascript)j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:|(?!vbscript)v\s*b\s*s\s*c\s*r\s*i\s*p\s*t\s*:`,
  String.raw`<\?import|import\s*implementation`,
  String.raw`!!\[\]|\(!\[\]\+\[\]\)|\[\]\[|!\+\[\]`,
  String.raw`\b(?:window|document|top|self|parent|this|globalthis|frames|location)\s*(?:/\*.*?\*/)?\s*\)?\s*\[\s*['"\x60]`,
  String.raw`<\s*/?\s*(?:script|iframe|frame|frameset|object|embed|applet|svg|math|base|link|meta|style|form|input|button|textarea|select|img|image|video|audio|source|body|html|xml|xss|marquee|details|isindex|keygen|bgsound|layer|ilayer|blink|template|animate\w*|set|handler|listener|vmlframe|x|a|div|table|td|p|span|h\d|!\[cdata\[|import|plaintext|xmp|noscript|portal|dialog|picture)\b[^>]*?(?:>|\s(?:on\w+|src|href|style|data|action|formaction|xlink:href|background|dynsrc|lowsrc|srcdoc|values|from|to|by|attributename)\s*=|$)`,
  String.raw`<[^>]*?\s(?:on[a-z]{3,}|formaction|xlink:href|srcdoc|background|dynsrc|lowsrc|fscommand|seeksegmenttime)\s*=`,
  String.raw`\bon(?:error|load|click|mouse\w+|focus\w*|blur|key\w+|submit|change|input|toggle|animation\w+|transition\w+|pointer\w+|begin|end|repeat|abort|resize|scroll|unload|beforeunload|message|hashchange|popstate|pageshow|wheel|drag\w*|drop|copy|cut|paste|contextmenu|dblclick|select|show|start|finish|bounce|readystatechange|activate|afterprint|beforeprint|help|invalid|search|storage|touch\w+)\s*=\s*['"]?[\w$(.\x60]`,
  String.raw`(?:java|vb|live|mocha|ecma)\s*script\s*:(?!\s)`,
  String.raw`(?:java|vb)\s*script\s*:\s*(?:\w+\s*\(|['"\x60]|\/\/|void|alert|eval|document|window|this|top|self|parent|location)`,
  String.raw`data\s*:\s*(?:text/html|image/svg\+xml|application/(?:x-)?(?:javascript|ecmascript|xhtml))`,
  String.raw`\bexpression\s*\(`,
  String.raw`-moz-binding\s*:`,
  String.raw`\b(?:document\s*\.\s*(?:cookie|domain|write\w*|location|body|forms|createelement|getelementby\w+|implementation|documentelement)|window\s*\.\s*(?:location|open|name|eval|execscript|settimeout|setinterval|onerror|top|parent|opener)|(?:top|self|parent|this|frames|globalthis)\s*\[\s*['"\x60])`,
  String.raw`\b(?:alert|prompt|confirm|eval|settimeout|setinterval|fetch|atob|btoa)\s*(?:\(|\x60|\.call|\.apply)`,
  String.raw`\bstring\s*\.\s*fromcharcode\b`,
  String.raw`<!--[\s\S]*?--\s*>|<!\[cdata\[|\]\]>`,
  String.raw`<\?xml[^>]*\?>\s*<`,
  String.raw`\burl\s*\(\s*['"]?\s*(?:java|vb)script`,
  String.raw`@import\b`,
  String.raw`<\s*[a-z]+[^>]*\bstyle\s*=[^>]*(?:expression|url\s*\(|behavior|binding)`,
  String.raw`\b(?:innerhtml|outerhtml|insertadjacenthtml|srcdoc|textcontent)\s*=`,
  String.raw`\[\s*['"\x60]constructor['"\x60]\s*\]`,
  String.raw`\bconstructor\s*\(\s*['"\x60]`,
];
export const xssPattern = rx(xssParts);

export const traversalParts = [
  String.raw`(?:\.{2,}[/\\]){2,}`,
  String.raw`(?:^|[/\\=\s'"])\.{2,}[/\\]+[\w.~$%-]`,
  String.raw`[/\\]\.{2,}(?:[/\\;]|$)`,
  String.raw`\.\.;/`,
  String.raw`(?:%c0%ae|%c0%af|%c1%9c|%252e|%uff0e|%u2215|%u2216|%e0%80%ae|\.%00)`,
  String.raw`(?:^|[/\\=\s:'"])(?:etc[/\\](?:passwd|shadow|group|hosts|issue|motd|crontab|sudoers|fstab|mtab|hostname|resolv\.conf|httpd|apache2?|nginx|mysql|ssh|security|profile|bashrc|environment|inittab)|proc[/\\](?:self|version|cmdline|environ|\d+)|windows[/\\](?:win\.ini|system32|system\.ini|repair)|boot\.ini|win\.ini|system32[/\\]|winnt[/\\]|inetpub[/\\]|(?:usr|var)[/\\](?:log|local|lib|spool|www|mail)|root[/\\]\.)`,
  String.raw`(?:\.htaccess|\.htpasswd|web\.config|\.bash_history|\.bashrc|\.profile|\.ssh[/\\]|id_rsa|authorized_keys|known_hosts|\.mysql_history|\.aws[/\\]credentials|\.docker[/\\]config|\.git[/\\]config|\.env\b|wp-config\.php|config\.inc\.php|localsettings\.php|settings\.php|configuration\.php|database\.yml|secrets\.yml|credentials\.xml|applicationhost\.config|php\.ini|my\.cnf|\.npmrc|\.pgpass|\.netrc|\.viminfo|\.kube[/\\]config)`,
  String.raw`\.[\w-]+[/\\](?:secrets?|config|credentials|settings|mcp\.json)|\.sql\.(?:zip|gz|bz2|7z|tar|xz)\b|\b(?:backup|dump|database|db)\.(?:sql|bak|tar|tgz|zip)\b|0x5c0x2e|\.\.;|;\.\\`,
  String.raw`^(?:[a-z]:)?[/\\](?:etc|proc|var|usr|root|windows|boot|sys|dev|tmp|home|opt)[/\\]`,
  String.raw`\b(?:file|php|zip|phar|glob|expect|data|zlib|compress\.zlib|compress\.bzip2|ogg|rar|ssh2(?:\.\w+)?|jar|netdoc|gopher|dict|ldap|tftp|jndi)\s*:\s*/{0,2}`,
  String.raw`(?:^|[=\s'"(])(?:https?|ftps?|ftp)\s*:\s*/{2}(?:\d{1,3}\.){3}\d{1,3}`,
  String.raw`(?:^|[=\s'"(])(?:https?|ftps?)\s*:\s*/{2}[^\s?#]*\?+$`,
  String.raw`\b(?:include|require)(?:_once)?\s*\(?\s*['"]?\s*(?:https?|ftp)s?:`,
  String.raw`^(?:https?|ftps?)://[^/?#\s]+(?:/[^\s]*)?\.(?:php|txt|asp|jsp|sh|pl|py|cgi|exe)\b`,
];
export const traversalPattern = rx(traversalParts);

export const templateParts = [
  String.raw`<!--\s*#\s*(?:exec|include|echo|config|set|printenv|fsize|flastmod|if|elif|else|endif)\b`,
  String.raw`\{\{[\s\S]*?\}\}`,
  String.raw`\{\{\s*[\w$._'"\[\](]`,
  String.raw`\$\{[^}\s]{0,200}\}?`,
  String.raw`<%[=@!#-]?[\s\S]{0,200}`,
  String.raw`#\{[^}]*\}`,
  String.raw`\{%[\s\S]*?%\}`,
  String.raw`[*@~]\{[^}]*\}`,
  String.raw`\$\{\{|\{\{=`,
];
export const templatePattern = rx(templateParts);

// Unix and Windows commands after a separator, substitution or an evasion (quotes, backslashes, globs inside the word).
const unixCommands =
  'cat|tac|nl|head|tail|more|less|ls|dir|id|whoami|uname|hostname|ifconfig|ip|netstat|ss|ps|top|kill|pkill|killall|wget|curl|fetch|lynx|nc|ncat|netcat|socat|telnet|ssh|scp|ftp|tftp|sftp|rsync|bash|sh|zsh|ksh|csh|tcsh|dash|ash|busybox|python[23]?|perl|ruby|php[57]?|node|lua|java|gcc|cc|make|chmod|chown|chgrp|chattr|rm|rmdir|mv|cp|ln|mkdir|touch|dd|tar|zip|unzip|gzip|gunzip|bzip2|base64|xxd|od|hexdump|strings|echo|printf|env|printenv|export|set|unset|sleep|ping|nslookup|dig|host|traceroute|tracepath|whois|crontab|at|nohup|sudo|su|passwd|useradd|usermod|groupadd|shutdown|reboot|halt|init|systemctl|service|mount|umount|find|locate|grep|egrep|fgrep|awk|gawk|sed|xargs|tee|sort|uniq|cut|tr|wc|diff|file|stat|which|whereis|type|history|alias|eval|exec|source|nmap|masscan|tcpdump|iptables|nice|renice|timeout|time|watch|screen|tmux|vi|vim|nano|emacs|ed|pico|openssl|gpg|last|lastlog|w|who|users|finger|uptime|free|df|du|lsof|strace|ltrace|gdb|readelf|objdump|nm|ldd|chroot|pwd|cd|apt|apt-get|yum|dnf|rpm|dpkg|pip[23]?|npm|gem|git|svn|wall|write|mail|sendmail|mailx|xterm|rev|expr|seq|yes|true|false|test|getent|setsid|logger|jexec|flock|perf|strace|rmt(?:-tar)?|trap|lastlogin?|irb|c89|c99|visudo|ansible(?:-\\w+)?|chef(?:-\\w+)?|cscli|aptitude|aa-\\w+|pkexec|doas|runuser|nsenter|unshare|capsh|setcap|getcap|xz|lzma|zstd|7z|7za|rar|unrar|cpio|ar|install|shred|wipe|truncate|fallocate|mkfifo|mknod|socat|cowsay|tclsh|wish|expect|gdb|valgrind|busctl|journalctl|dmesg|modprobe|insmod|rmmod|lsmod|sysctl|ulimit|crash|dialog|whiptail|pg|psql|mysql|sqlite3|redis-cli|mongo|mongosh|ldapsearch|smbclient|rpcclient|showmount|ssh-keygen|ssh-keyscan|gpg-agent|knife|puppet|salt|terraform|kubectl|docker|podman|crictl|ctr|runc|lxc|virsh|vboxmanage|nohup|stdbuf|script|run-parts|start-stop-daemon|check_\\w+|zip|zipnote|base32|basenc|uuencode|uudecode|iconv|column|fmt|fold|join|paste|split|csplit|comm|look|ul|hd|dos2unix|unix2dos|rview|rvim|vimdiff|view|red|ex|joe|mcedit|links|w3m|elinks|aria2c|axel|httpie|http|xh|tar|pax|bsdtar|cabextract|genisoimage|xorriso|mtr|arping|hping3|fping|nping|tshark|dumpcap|ngrep|iftop|nethogs|iotop|htop|atop|glances|nmon|sar|vmstat|iostat|mpstat|pidstat|lscpu|lsblk|lspci|lsusb|dmidecode|hwinfo|inxi|neofetch|screenfetch';
const winCommands =
  'cmd|cmd\\.exe|powershell|pwsh|powershell\\.exe|net|net1|netsh|ipconfig|systeminfo|tasklist|taskkill|reg|regedit|wmic|certutil|bitsadmin|mshta|rundll32|regsvr32|cscript|wscript|schtasks|sc|type|copy|xcopy|robocopy|del|erase|rd|rmdir|md|mkdir|ren|move|attrib|icacls|cacls|findstr|for|if|set|start|call|echo|ver|vol|whoami|nltest|dsquery|ntdsutil|vssadmin|bcdedit|diskpart|format|shutdown|query|qwinsta|runas|msiexec|installutil|msbuild|forfiles|pcalua|cmstp|odbcconf|mavinject|hh|infdefaultinstall|ftp|tftp|telnet|nslookup|ping|tracert|arp|route|pathping|getmac|hostname|color|title|pause|goto|shift|setlocal|endlocal|pushd|popd|assoc|ftype|cls|date|time|tree|more|sort|fc|comp|print|label|chcp|doskey|prompt|mklink|subst|cipher|compact|expand|extrac32|makecab|esentutl';

export const commandParts = [
    String.raw`(?:[;&|\n\r\x60]|\$\(|\|\||&&)\s*(?:[\\'"]*(?:/[\w?*.\[\]-]*)*/)?(?:${unixCommands})\b(?:\s|$|[;&|<>'")\x60]|\$\{ifs|\$ifs)`,
    String.raw`^\s*(?:[\\'"]*(?:/[\w?*.\[\]-]*)*/)?(?:${unixCommands})(?:\s+-{1,2}[a-z]|\s+(?:/(?:etc|bin|usr|tmp|dev|proc|var|home|root|opt|sys|boot)\b|[^\s]*[\\$<>|;&*?\x60])|\s*[<>|;&\x60]|\$\{?ifs)`,
    String.raw`^\s*(?:whoami|uname|ifconfig|ipconfig|netstat|passwd|visudo|nslookup|systeminfo|tasklist|hostname|printenv|crontab|nc|ncat|netcat|wget|curl|bash|sh|zsh|powershell|cmd(?:\.exe)?)\s*$`,
    String.raw`(?:[;&|\n\r\x60]|\$\(|\|\||&&)\s*(?:${winCommands})(?:\s|$|[;&|<>/'"^,])`,
    String.raw`^\s*(?:${winCommands})(?:\s+/[a-z?]\b|\s+[^\s]*[\\%$<>|&^]|\s*[<>|&^]|$)`,
    String.raw`\$\(\s*[\w/.'"\\-]+[\s\S]*\)`,
    String.raw`\x60[^\x60]*\b(?:${unixCommands})\b[^\x60]*\x60`,
    String.raw`/(?:bin|sbin|usr/bin|usr/sbin|usr/local/bin|dev/tcp|dev/udp|tmp)/[\w?*\[\]]`,
    String.raw`(?:/[?*\[\]\w]*[?*][?*\[\]\w]*){2,}`,
    String.raw`\$\{?ifs\}?|\$\{[#!]?\w+(?::[-=?+]?[^}]*)?\}|\$\{\w+//`,
    String.raw`\b(?:c\W*a\W*t|w\W*g\W*e\W*t|c\W*u\W*r\W*l|w\W*h\W*o\W*a\W*m\W*i|u\W*n\W*a\W*m\W*e|n\W*c\W*a\W*t|b\W*a\W*s\W*h|p\W*y\W*t\W*h\W*o\W*n|p\W*o\W*w\W*e\W*r\W*s\W*h\W*e\W*l\W*l)\b[\s\S]{0,40}[\\'"^][\s\S]*`,
    String.raw`\b(?:cmd|command)(?:\.exe)?\s*/[ck]\b`,
    String.raw`\bpowershell(?:\.exe)?\b|\b(?:invoke-(?:expression|webrequest|restmethod|command|item|wmimethod)|iex|new-object|start-process|get-(?:content|childitem|process|wmiobject|item)|set-(?:content|item)|out-file|downloadstring|downloadfile|net\.webclient|system\.net|frombase64string|-encodedcommand|-enc\s|-nop\b|-w(?:indowstyle)?\s+hidden|bypass)\b`,
    String.raw`^\s*(?:for|if)\s*(?:/[a-z]\s*|not\s+|%)[\s\S]*?(?:\bin\s*\(|==|\bequ\b|\blss\b|\bgtr\b|\bexist\b|\bdefined\b|\bdo\b|echo)`,
    String.raw`^\s*if\s+(?:not\s+)?(?:exist|defined|errorlevel|cmdextversion)\b`,
    String.raw`^\s*[;|&\x60]\s*[a-z\\/$.]`,
    String.raw`\$\[|\$\(\(|[<>]\(\s*\w|\{\s*[\w/-]*\s*,\s*[\w/,-]*\}|(?:^|[\s=])~[+-]\d*$|\(\s*\)\s*\{|\$(?:shell|path|home|user|pwd|ifs|random|bash\w*|0)\b|\balias\s+[\w'"+-]+\s*=?`,
    String.raw`^(?:/?usr/)?s?bin/\w`,
    String.raw`%(?:comspec|systemroot|windir|programfiles|userprofile|temp|appdata|path|os|computername|username)%`,
    String.raw`\(\s*\)\s*\{\s*[:;]*\s*\}\s*;`,
    String.raw`\b(?:nc|ncat|netcat)\b[\s\S]{0,30}\s-[elvnpc]`,
    String.raw`>\s*/dev/(?:null|tcp|udp)|\d?>&\s*\d|</dev/tcp`,
    String.raw`\b(?:sh|bash|zsh|ksh|dash)\s+-[ci]\b`,
    String.raw`\|\s*(?:sh|bash|zsh|ksh|dash|python[23]?|perl|ruby|php|node)\b`,
    String.raw`\b(?:wget|curl)\s+(?:-\w+\s+)*(?:https?|ftp)://`,
];
export const commandPattern = rx(commandParts);

export const codeParts = [
  String.raw`\b[a-z_][a-z0-9_]{2,}\((?:[^()]{0,100})\)`,
  String.raw`[\[{]\s*\\?/?\s*php\s*[\]}]|<\?xml\s*:`,
  String.raw`\b(?:opcache|mbstring|session|zend|xdebug|pcre|mysqli?|pdo|curl|openssl|display_errors|log_errors|memory_limit|max_execution_time|max_input_time|post_max_size|upload_max_filesize|upload_tmp_dir|extension|zend_extension|smtp|smtp_port|sendmail_from|short_open_tag|output_buffering|file_uploads|allow_url_\w+|open_basedir|disable_\w+|auto_\w+|user_ini\.\w+|variables_order|request_order|expose_php|html_errors|error_reporting)(?:\.\w+)?\s*=`,
  String.raw`\$\s*\{[\s\S]*\}|\$\w+(?:\s*(?:\[[^\]]*\]|\{[^}]*\}))+\s*\(`,
  String.raw`[(\[]\s*['"]?\s*(?:system|exec|eval|passthru|assert|shell_exec|popen|proc_open|phpinfo)\s*['"]?\s*[)\]]`,
  String.raw`(?:^|[\\/])sess_[\w-]{10,}`,
  String.raw`<\?(?:php|=|\s|$)`,
  String.raw`\[php\]|\[/php\]`,
  String.raw`\b(?:eval|assert|system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|phpinfo|base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|file_get_contents|file_put_contents|fopen|fwrite|fputs|readfile|fpassthru|highlight_file|show_source|include|require|include_once|require_once|preg_replace|create_function|call_user_func(?:_array)?|array_map|array_filter|usort|uasort|unserialize|serialize|move_uploaded_file|copy|unlink|rename|chmod|mkdir|rmdir|opendir|scandir|glob|ini_set|ini_get|putenv|getenv|dl|mail|header|setcookie|ob_start|var_dump|print_r|var_export|debug_zval_dump|extract|parse_str|mb_ereg_replace|curl_exec|curl_init|fsockopen|pfsockopen|stream_socket_client|socket_create|posix_\w+|get_defined_vars|get_current_user|getmypid|getmyuid|phpversion|php_uname|symlink|link|touch|tempnam|tmpfile|apache_\w+|iconv|convert_uuencode|hex2bin|bin2hex|strrev|str_replace|implode|chr|ord|urldecode|rawurldecode|htmlspecialchars_decode|md5|sha1|crc32|gethostbyname|escapeshellcmd|escapeshellarg|lcg_value|__halt_compiler|__destruct|__wakeup|__tostring|__construct|__call|__get|__set)\s*(?:\(|['"]\s*\)|/\*)`,
  String.raw`['"\)]\s*\(\s*['"\$]|\b(?:system|exec|eval|assert|passthru)['"]\s*\(`,
  String.raw`\$_(?:get|post|cookie|request|server|files|env|session|globals)\b|\$globals\b|\$http_raw_post_data|php://(?:input|filter|stdin|memory|temp|fd|output)`,
  String.raw`\b(?:allow_url_include|allow_url_fopen|auto_prepend_file|auto_append_file|disable_functions|open_basedir|safe_mode|register_globals|magic_quotes_gpc|enable_dl|suhosin\.\w+|session\.auto_start|php_value|php_admin_value|php_flag|error_log|include_path|extension_dir|mail\.add_x_header|sendmail_path)\b`,
  String.raw`\b[oc]:\d+:"\w+":\d+:\{|\ba:\d+:\{[^}]*[si]:\d+`,
  String.raw`\.(?:php[3-8]?|phtml|phar|pht|phps|inc)\b[\s\S]*(?:filename|\x00)|filename\s*=\s*['"]?[^'"\s]*\.(?:php[3-8]?|phtml|phar|pht|phps|shtml|htaccess|asp|aspx|jsp|jspx|cgi|pl|py|sh|exe)\b`,
  String.raw`\$\w+\s*(?:\(|\[\s*['"\w]+\s*\]\s*\()|\$\{\s*['"]?\w+['"]?\s*\}\s*\(`,
  String.raw`(?:^|[^\w])(?:process\s*\.\s*(?:mainmodule|binding|env|exit|kill|dlopen|cwd|chdir|argv|execpath)|child_process|require\s*\(\s*['"\x60](?:child_process|fs|net|http|vm|os|cluster|worker_threads)|global\s*\.\s*process|module\s*\.\s*(?:require|constructor)|__proto__|constructor\s*\.\s*(?:constructor|prototype)|\bnew\s+function\s*\(|function\s*\(\s*\)\s*\{|\bthis\s*\.\s*constructor|\bfunction\s*\.\s*prototype|\bvm\s*\.\s*run\w*|\beval\s*\(|\bconsole\s*\.\s*\w+\s*\(|\bbuffer\s*\.\s*from\b|\b__js_function\b|\b_\$\$nd_func\$\$_\b|\b__dirname\b|\b__filename\b|\bspawn(?:sync)?\s*\(|\bexec(?:sync|file)?\s*\(|\breaddir(?:sync)?\s*\()`,
  String.raw`\b(?:__import__|__builtins__|__globals__|__subclasses__|__class__|__mro__|__base__|__init__|__getattribute__|os\.(?:system|popen|exec\w*|spawn\w*)|subprocess\.\w+|pickle\.loads|marshal\.loads|commands\.getoutput|importlib|getattr\s*\()`,
  String.raw`\b(?:kernel\.(?:exec|system|spawn|open|eval|`+'`'+String.raw`)|io\.popen|open3|instance_eval|class_eval|module_eval|send\s*\(\s*:|public_send|const_get|%x\{|%x\(|syscall|fork\s*\{)`,
  String.raw`(?:^|[^\w])(?:localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|169\.254\.169\.254|metadata\.google\.internal|\[::1?\]|\[::ffff:|0x7f0{0,6}1|2130706433|017700000001|100\.100\.100\.200|fd00:ec2::254)(?::\d+)?(?:/|$)`,
  String.raw`\b(?:gopher|dict|ldap|ldaps|tftp|sftp|file|netdoc|jar|jndi|rmi|iiop|corba|nis|nds|dns)://`,
  String.raw`\b(?:perl|ruby|python)\s+-e\b|\bsystem\s*\(\s*['"\x60]|\bopen\s*\(\s*['"]\s*\|`,
];
export const codePattern = rx(codeParts);

export const javaParts = [
  String.raw`\bjava\s*\.\s*(?:lang|io|net|nio|util|beans|rmi|security|sql)\s*\.\s*\w+`,
  String.raw`\bjavax\s*\.\s*\w+|\bcom\s*\.\s*sun\s*\.\s*\w+|\bsun\s*\.\s*(?:misc|reflect|rmi|net)\b|\bjdk\s*\.\s*\w+`,
  String.raw`\bcom\s*\.\s*(?:opensymphony|thoughtworks|fasterxml|alibaba|mchange|caucho|ibm\.websphere|bea)\b|\borg\s*\.\s*(?:omg|apache|springframework|codehaus|hibernate|jboss|mozilla|python|slf4j|yaml|aspectj|eclipse|glassfish|mvel2)\s*\.\s*\w+`,
  String.raw`\b(?:runtime|processbuilder|processimpl|unixprocess|classloader|urlclassloader|invokertransformer|chainedtransformer|constanttransformer|instantiatetransformer|instantiatefactory|prototypeclonefactory|prototypeserializationfactory|whileclosure|transformedmap|lazymap|annotationinvocationhandler|templatesimpl|jdbcrowsetimpl|beancomparator|priorityqueue|badattributevalueexpexception|scriptengine(?:manager)?|nashorn|groovyshell|objectinputstream|objectoutputstream|xmldecoder|xstream|jndi|rmiregistry|mbeanserver|getruntime|getclass|forname|getmethod|getdeclared\w+|newinstance|setaccessible|defineclass|loadclass)\b`,
  String.raw`\brO0AB|\bH4sIAAAAAAAA|\xac\xed\x00\x05|aced0005`,
  String.raw`\$\{\s*(?:jndi|ctx|env|sys|main|bundle|java|lower|upper|date|base64|k8s|docker|spring|web|log4j|marker|map|sd|event|::-)`,
  String.raw`%\{[\s\S]*?\}|#_memberaccess|@java\.|#context\[|#request\[|#parameters|#attr\[|ognl|\bclass\.module\.classloader|\bclass\.classloader|\bclassloader\.resources|\b\.getclass\(\)`,
  String.raw`\bT\s*\(\s*java\.|\bnew\s+java\.|\.exec\s*\(\s*['"]|\.getruntime\s*\(`,
];
export const javaPattern = rx(javaParts);

export const sessionFixationParts = [
  String.raw`\.cookie\b[\s\S]*?\b(?:expires|domain|path|max-age)\s*=`,
  String.raw`\bdocument\s*\.\s*cookie\b|\bset-cookie\s*:|\bhttp-equiv\W+set-cookie`,
];
export const sessionFixationPattern = rx(sessionFixationParts);

/** Session-id parameter names (CRS 943110/943120): a session id in a parameter is fixation when it comes from elsewhere. */
export const sessionParamName = /^(?:jsessionid|phpsessid|aspsessionid\w*|asp\.net_sessionid|sessionid|session_id|_session_id|sid|cfid|cftoken|cfsid|sess|session|sessid|connect\.sid|sails\.sid|koa[.:]sess(?:\.sig)?|play_session|rack\.session|laravel_session|ci_session|express\.sid|weblogicsession|__host-next-auth\.session-token|next-auth\.session-token|__secure-next-auth\.session-token|shiro\w*|jwt_session|\w+\.sid|\w*sessionid\w*|\w*session[_-]?id|\w*sess)$/i;

export const scannerAgent = new RegExp(
  [
    'sqlmap', 'nikto', 'nmap', 'nessus', 'openvas', 'nuclei', 'zgrab', 'masscan', 'wpscan', 'joomscan', 'droopescan', 'whatweb', 'wapiti', 'arachni',
    'acunetix', 'netsparker', 'appscan', 'webinspect', 'burp', 'owasp[ _-]?zap', 'zaproxy', 'w3af', 'skipfish', 'dirbuster', 'dirb', 'gobuster', 'ffuf',
    'wfuzz', 'feroxbuster', 'hydra', 'medusa', 'havij', 'commix', 'xsstrike', 'fimap', 'grabber', 'paros', 'webscarab', 'vega', 'jaeles', 'httprint',
    'morfeus', 'zmeu', 'nsauditor', 'netlab360', 'brutus', 'bsqlbf', 'crimscanner', 'jbrofuzz', 'metis', 'mysqloit', 'n-stealth', 'pangolin',
    'sf\\.exe', 'teh forest lobster', 'webtrends security analyzer', 'webvulnscan', 'whcc', 'cgichk', 'webshag', 'uniscan', 'vooki', 'qualys',
    'internet-?measurement', 'censys', 'shodan', 'leakix', 'expanseinc', 'scanbot', 'fuzz faster', 'blackwidow', 'absinthe', 'sqlninja', 'sqlpowerinjector',
  ]
    .join('|')
    .replace(/^/, '(?<![a-z])(?:')
    .concat(')(?![a-z])'),
  'i',
);

/** CrowdSec's sensitive_data list, trimmed to what never is a page of this store. */
export const sensitivePath = /(?:^|\/)\.(?!well-known(?:\/|$))[\w.-]+|^\/(?:proc|sys|etc|dev)\/|\/(?:proc|sys)\/(?:self|class|interrupts|\d+|kernel|devices|cpuinfo|meminfo)|\/@id\/|__x00__|(?:^|\/)(?:\.git(?:\/|$)|\.svn(?:\/|$)|\.hg(?:\/|$)|\.bzr(?:\/|$)|\.env(?:\.\w+)?$|\.ds_store$|\.htaccess$|\.htpasswd$|\.aws\/|\.ssh\/|\.docker\/|\.kube\/|\.npmrc$|\.bash_history$|\.mysql_history$|\.vscode\/|\.idea\/|web\.config$|wp-config\.php\S*$|config\.php(?:\.\w+)?$|configuration\.php\S*$|settings\.py$|database\.yml$|secrets?\.(?:yml|yaml|json)$|credentials(?:\.json)?$|id_rsa(?:\.pub)?$|server-status$|server-info$|phpinfo\.php$|info\.php$|\.sql(?:\.gz|\.zip|\.bz2)?$|\.(?:bak|backup|old|orig|save|swp|sav|tmp|log|db|sqlite3?|mdb|dump|tar|tar\.gz|tgz|zip|7z|rar|pem|key|p12|pfx|jks)$|backup(?:s)?\/|dump\/|docker-compose\.ya?ml$|dockerfile$|composer\.(?:json|lock)$|package-lock\.json$|yarn\.lock$|actuator\/|jolokia|_profiler\/|elmah\.axd$|trace\.axd$|phpmyadmin|adminer\.php$|pma\/|mysql\/|sftp-config\.json$|\.well-known\/security\.txt\.bak$)/i;

/** Web-shell and backdoor file names (CrowdSec backdoors.txt, trimmed) and PHP anywhere (this store serves no PHP). */
export const backdoorPath = /(?:^|\/)(?:c99|c100|r57|r57shell|wso|wso2|b374k|weevely|alfa|alfashell|alfa-shell|indoxploit|mini|minishell|shell|sh3ll|cmd|cmdshell|webshell|web-shell|backdoor|bypass|uploader|upload|up|filesman|madspot|angel|ak47|priv8|k2ll33d|symlink|sym|cgishell|phpshell|php-backdoor|simple-backdoor|gecko|marijuana|0byte|leaf|leafmailer|xleet|wp-info|wp-shell|wso_1|1337|haxor|hacked|lol|eval-stdin)\.(?:php\d?|phtml|asp|aspx|jsp|jspx|cgi|pl)$/i;

/** Backups, editor leftovers, keys and databases (CRS 920440/920500). */
export const leftoverPath = /\.(?:bak|backup|old|orig|save|swp|swo|sav|tmp|log|db|sqlite3?|mdb|dump|sql|rdb|pem|key|p12|pfx|jks|kdbx|cfg|conf|ini|config|inc|dist)$|~$|(?:^|\/)(?:privkey|fullchain|cert)\.pem$/i;

/** Request smuggling and header injection inside a value (CRS 921110-921160). */
export const protocolValue = /[\r\n]\s*(?:content-(?:length|type)|transfer-encoding|set-cookie|location|refresh|host|x-[\w-]+|connection|cookie)\s*:|\b(?:get|post|put|head|delete|options|connect|trace|patch)\s+(?:\/|https?:\/\/)\S*\s+http\/\d/i;

/** Software this store is not (PHP, ASP, JSP, WordPress, CGI): asking for it is probing. */
export const foreignSoftwarePath = /\.(?:php[3-8]?|phtml|phar|asp|aspx|jsp|jspx|cfm|cgi|pl|do|action)$|(?:^|\/)(?:wp-admin|wp-content|wp-includes|wp-login|wp-json|cgi-bin|phpunit|xmlrpc|vendor\/phpunit|administrator|manager\/html|solr|jenkins|owa|ecp|autodiscover|hnap1|boaform|console|remote\/login|vpn)(?:\/|\.|$)/i;
