"""Sample log lines shared by the ingestion tests."""

from __future__ import annotations

from calendar import timegm

NGINX_LINE = (
    '203.0.113.7 - - [17/May/2015:10:05:03 +0000] "GET /users/42?tab=posts&page=2 HTTP/1.1" '
    '200 5123 "https://www.example.com/search?q=anna" '
    '"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"'
)
APACHE_LINE = (
    '83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-'
    '2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentatio'
    'ns/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKi'
    't/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"'
)
COMMON_LINE = (
    '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326'
)
CADDY_LINE = (
    '{"level":"info","ts":1646861401.5241024,"logger":"http.log.access","msg":"handled request",'
    '"request":{"remote_ip":"10.0.0.9","remote_port":"41342","client_ip":"198.51.100.4",'
    '"proto":"HTTP/2.0","method":"GET","host":"example.com","uri":"/people/ann?x=1",'
    '"headers":{"User-Agent":["curl/7.82.0"],"Accept":["*/*"],'
    '"Accept-Language":["en-GB,en;q=0.9"],"Cookie":["sessionid=s3cr3t; sg_device=dev1"]},'
    '"tls":{"resumed":false,"version":772,"cipher_suite":4865,"proto":"h2",'
    '"server_name":"example.com"}},"bytes_read":0,"user_id":"","duration":0.000929675,'
    '"size":10900,"status":200,"resp_headers":{"Server":["Caddy"]}}'
)
T_2015_05_17_100503 = float(timegm((2015, 5, 17, 10, 5, 3, 0, 0, 0)))


def clf_line(
    ip: str = "203.0.113.7",
    stamp: str = "17/May/2015:10:05:03 +0000",
    request: str = "GET /x HTTP/1.1",
    status: int = 200,
    size: str = "512",
    referer: str = "-",
    agent: str = "Mozilla/5.0",
) -> str:
    """A combined-format line from its parts (already escaped)."""
    return f'{ip} - - [{stamp}] "{request}" {status} {size} "{referer}" "{agent}"'
