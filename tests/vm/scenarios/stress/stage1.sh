# Threads marking/unmarking/listing while sessions preserve and abort.
. /usr/bin/plu-lib.sh
stress_test
