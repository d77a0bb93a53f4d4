# adv_http.rb PORT — Ruby Net::HTTP to victim.test (at 127.0.0.1) with
# verify_mode VERIFY_NONE: a careless program. The request path is the marker.
require 'net/http'
require 'openssl'

http = Net::HTTP.new('victim.test', ARGV[0].to_i)
http.ipaddr = '127.0.0.1'
http.use_ssl = true
http.verify_mode = OpenSSL::SSL::VERIFY_NONE
http.open_timeout = 3
http.read_timeout = 1
begin
  http.start { |h| h.get('/ADV-MARKER-ruby') }
rescue StandardError => e
  puts "error: #{e.class}: #{e.message}"
  exit 1
end
