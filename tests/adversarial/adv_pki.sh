#!/bin/sh
# adv_pki.sh DIR — the certificates of the adversarial suite (openssl CLI, EC P-256).
#   ca.pem            "public" CA: the clients' default trust (SSL_CERT_FILE)
#   otherca.pem       a private CA only some programs trust (road 4); otherca.dir/ hashed
#   victim            ca,      SAN victim.test                 (the good server)
#   attacker          ca,      SAN attacker.test               (valid, for another name)
#   private_victim    otherca, SAN victim.test                 (good only with the private CA)
#   expired_victim    ca,      victim.test, valid 2020-01-01 .. 2021-01-01
#   critical_victim   ca,      victim.test + an unknown critical extension
#   clientauth_victim ca,      victim.test, extendedKeyUsage clientAuth only
#   proxy_victim      a proxy certificate "CN=victim.test" issued by attacker's
#                     key (chain file: proxy + attacker)
#   wildcard          ca,      SAN *.example.test
#   cn_victim         ca,      CN=victim.test, SAN unrelated.test
#   pins/NAME.pin     sha256/ SPKI pins of victim and attacker
# Idempotent: skips when DIR/.done exists.
set -eu
DIR=${1:?usage: adv_pki.sh DIR}
OPENSSL=${OPENSSL:-openssl}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
[ -e "$DIR/.done" ] && exit 0
cd "$DIR"
mkdir -p pins otherca.dir

key() { "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ca() {
    key "$1.key"
    "$OPENSSL" req -x509 -new -key "$1.key" -sha256 -days 3650 -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" -out "$1.pem"
}

# leaf NAME ISSUER SUBJECT EXTENSION-LINES... (signed with ISSUER.pem/.key)
leaf() {
    name=$1 issuer=$2 subj=$3
    shift 3
    key "$name.key"
    "$OPENSSL" req -new -key "$name.key" -subj "$subj" -out "$name.csr"
    printf '%s\n' "$@" > "$name.ext"
    "$OPENSSL" x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" \
        -CAcreateserial -sha256 -days 825 -extfile "$name.ext" -out "$name.pem" 2>/dev/null
    rm -f "$name.csr" "$name.ext"
}

BC="basicConstraints=critical,CA:FALSE"
KU="keyUsage=critical,digitalSignature,keyEncipherment"
SA="extendedKeyUsage=serverAuth"

# `openssl ca` can backdate: the public CA is valid from 2019 (road 3's set_time
# looks at 2020), the expired leaf from 2020 to 2021.
mkdir -p caDB
: > caDB/index.txt
echo 1000 > caDB/serial
cat > caDB/ca.cnf <<EOC
[ ca ]
default_ca = testca
[ testca ]
database = $DIR/caDB/index.txt
serial = $DIR/caDB/serial
new_certs_dir = $DIR/caDB
certificate = $DIR/ca.pem
private_key = $DIR/ca.key
default_md = sha256
policy = anything
unique_subject = no
x509_extensions = leaf_ext
[ anything ]
commonName = supplied
[ ca_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ leaf_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:victim.test
EOC
key ca.key
"$OPENSSL" req -new -key ca.key -subj "/CN=adv public CA" -out ca.csr
"$OPENSSL" ca -batch -config caDB/ca.cnf -notext -selfsign -keyfile ca.key -extensions ca_ext \
    -startdate 20190101000000Z -enddate 20360101000000Z -in ca.csr -out ca.pem 2>/dev/null
rm -f ca.csr
ca otherca "adv private CA"
leaf victim ca "/CN=adv victim" "$BC" "$KU" "$SA" "subjectAltName=DNS:victim.test"
leaf attacker ca "/CN=adv attacker" "$BC" "$KU" "$SA" "subjectAltName=DNS:attacker.test"
leaf private_victim otherca "/CN=adv private victim" "$BC" "$KU" "$SA" "subjectAltName=DNS:victim.test"
leaf critical_victim ca "/CN=adv critical" "$BC" "$KU" "$SA" "subjectAltName=DNS:victim.test" \
    "1.3.6.1.4.1.55555.1=critical,ASN1:UTF8String:unknown"
leaf clientauth_victim ca "/CN=adv clientauth" "$BC" "$KU" "extendedKeyUsage=clientAuth" \
    "subjectAltName=DNS:victim.test"
leaf wildcard ca "/CN=adv wildcard" "$BC" "$KU" "$SA" "subjectAltName=DNS:*.example.test"
leaf cn_victim ca "/CN=victim.test" "$BC" "$KU" "$SA" "subjectAltName=DNS:unrelated.test"
# RFC 3820: the proxy's subject is its issuer's plus one CN.
leaf proxy_victim attacker "/CN=adv attacker/CN=victim.test" "$KU" "$SA" \
    "proxyCertInfo=critical,language:id-ppl-anyLanguage,pathlen:0"
cat attacker.pem >> proxy_victim.pem

key expired_victim.key
"$OPENSSL" req -new -key expired_victim.key -subj "/CN=adv expired" -out expired.csr
"$OPENSSL" ca -batch -config caDB/ca.cnf -notext -startdate 20200101000000Z \
    -enddate 20210101000000Z -in expired.csr -out expired_victim.pem 2>/dev/null
rm -f expired.csr

cp otherca.pem otherca.dir/
"$OPENSSL" rehash otherca.dir

for name in victim attacker otherca ca; do
    printf 'sha256/%s\n' "$("$OPENSSL" x509 -in "$name.pem" -pubkey -noout \
        | "$OPENSSL" pkey -pubin -outform der | "$OPENSSL" dgst -sha256 -binary \
        | "$OPENSSL" base64 -A)" > "pins/$name.pin"
done
touch .done
