"""mtdsim's built-in token signing key: the first key of every mock (modelled, public by design).

Generating an RSA key costs ~0.06-0.15 s and a random number of instructions (the prime search), which would make
every mock's start-up slower and the instruction-count benchmarks (loadtests/instructions.py) meaningless. Like the
demo credentials, this key is no secret: tokens of a mock prove nothing outside tests. ``POST /_sim/keys/rotate``
gives a mock a fresh key of its own. The certificate (``x5c``) is self-signed, valid 2025-12-31 to 2030-12-30.
"""

from __future__ import annotations

__all__ = ["CERTIFICATE_DER_B64", "PRIVATE_KEY_PEM"]

PRIVATE_KEY_PEM = """\
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDPqZBURd2H/TrO
R9a+zSHemxDrQBFDIdZiQX+f09SpPtYEPLQoy2VsGd3r+O1O3TxaG/shFcr/PUqC
zuEPqY2DRsyz3F1BZFTjBESu6XkU1jYj4YMljoE9aVFlmoGlDsYrn69ovvjY9bqp
9X5VhPY92wX74IKJWy+xYKXyng8eP16h3evWHQNLPA49DEz7eAFJ94peXKuY1kcE
ZBfxz0//shbL/T/pDbuevyB+PEsV9bJ4HZN2NWqDmq2u2hqCmDuu/mRqI7zOGZyg
Kp5DLmq/1TGDnwkI1a8xOtLreT1zG+ARXVs3eawmL4txOqSUkqrFXM+fDqiUHNOm
2njBm3s1AgMBAAECggEAIl8nEAPWZJ1h/+W9Iiyy5/UTqlSa5tkxcmbz+GDoCLFp
XB8uFLiBy5BGfrnfkZel1yZdfT7tsCyVaixS7TQ7w5hS5oxZdSrlsAOzWJ41V+ES
6gJ4Ih3Bv4fwnJgj0E2vOGZAct51MvgNUvda103gMiHQDj49bP3GWZ4tKYjG6NL4
ukDfJG+s+vTW5fQeSEON5Izfv3uc21W0ajJYZghM8zG+F2R+wgDzmt8+vIWsK3HM
3ZvMZ2Ldt2jWmbUdi8bLK/qw090LLcQbLZlHHV7Pdo9uzsFScjH9unDTqjdPh2WU
YUEcUsP6rs3tRTU9PjH9zbpG89P7UlcwWqnW6ICFAQKBgQD7cC8ujOufmU6+mCl3
OL+TRGQiXRidW64HQbnZhSSZGj8oA9zAGvB/JSS5KSlQd3r5B6Ghd5fwryRAOXxt
S2dzlirOPY+j4YKhOLu+of7walXngky8VYoodWnWFCSaBaL5M/rimPPD16dAVxZk
Z6x02B574kUbUNPyoFLv8xFjgQKBgQDTbg+DZl3gkiFgPV1cM0Wx858s8xXo57NU
SGlOc6LMDcDIN1/3t17phocSoD3zK6edqhl2a844FfyIqAGYeUw0uI3OZk6SL1vm
p6ZE8Mclh9+plJHumGeHhp7xCkiMqR5UpMfOreElWmCAjX9rFOF9njqkKdgS8t4k
0dmQ5LyhtQKBgQCmSAmb4mwMzylJWH3Lr4baUJdcNm8J2dCcUfYjiS6r5bSwtOUv
UmGL5DeGEFeXNHzp5gcZLmsYK+twYdQMv5o50aybWhD9Uyy9jDR1HNLpkZkgEobG
4lcM7KFCh22xQlsGLT8UzgwfjyW3oiBX5Ewjta1rRjdnmiugwDA5KWltgQKBgCnX
vEY6+hU5llVfj5xxoTdoiXXx3cIsKLdjZUPbarqLdj2ph9qUdbotn4m2IMyBNTjk
swlWqIc9Aq9g4H/2cXh1lcrlQGN57+wj/anjJOZuj3sWJhNcIhEWOVpmuJjt10zV
F531l3s2+aY3WqIsjbu4ls5qYZLOcdxDk5UzT4mJAoGBAL3OIofNCI9HjgzsF+rI
80r3hkUyAHP+WaXZIQLLKHJR0y2useicWeknQtwsHsTf35z95wuLAdFWbpNYT6kG
D0Y3KvDB7AvILyAgbUyGM0UdjzCXK9U8fPkpIfZONJ7nZaO6FR11HVkwvULPEwYh
wSLj65Vs5z2SH88MviKWLPJQ
-----END PRIVATE KEY-----
"""

CERTIFICATE_DER_B64 = (
    "MIICyjCCAbKgAwIBAgIUGhOhBZn7z9954eUfetGoHq9QqzUwDQYJKoZIhvcNAQELBQAwHzEdMBsGA1UEAwwUbXRkc2ltIHRva2Vu"
    "IHNpZ25pbmcwHhcNMjUxMjMxMDAwMDAwWhcNMzAxMjMxMDAwMDAwWjAfMR0wGwYDVQQDDBRtdGRzaW0gdG9rZW4gc2lnbmluZzCC"
    "ASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAM+pkFRF3Yf9Os5H1r7NId6bEOtAEUMh1mJBf5/T1Kk+1gQ8tCjLZWwZ3ev4"
    "7U7dPFob+yEVyv89SoLO4Q+pjYNGzLPcXUFkVOMERK7peRTWNiPhgyWOgT1pUWWagaUOxiufr2i++Nj1uqn1flWE9j3bBfvggolb"
    "L7FgpfKeDx4/XqHd69YdA0s8Dj0MTPt4AUn3il5cq5jWRwRkF/HPT/+yFsv9P+kNu56/IH48SxX1sngdk3Y1aoOara7aGoKYO67+"
    "ZGojvM4ZnKAqnkMuar/VMYOfCQjVrzE60ut5PXMb4BFdWzd5rCYvi3E6pJSSqsVcz58OqJQc06baeMGbezUCAwEAATANBgkqhkiG"
    "9w0BAQsFAAOCAQEAmE28tD+I5QC1zfhEjEvJE8bRFwSOFH0I4IGrTPrr4k5r9SbZvd84lVytX7XQ0jYt7IIuVDtcElsYRb68+c1F"
    "I7OlveAnwbkvjwiLkLNdpdfDRf9Ls8/Ds90oakb5huAyM9pzPZYC2FEx5+/wqzTk8HudMIGJzsqGpfV1fdN6425LIE+llkmnAyDX"
    "us0WWWHeLgPO/W1SKPmk78jrQsQhvteMbqyIJIa8O4IMbMvBHrvELC6XhhefH7N3bNkIpY2CRLCYQyu7sFYaJuKd/r+wAoE1cJy+"
    "wato6riHqEMg2dSVzqwjp3ISILid4ltvHEVC/9DVv7K/rSarH6pikvBw6w=="
)
