module domus.test/guestgo

go 1.19
