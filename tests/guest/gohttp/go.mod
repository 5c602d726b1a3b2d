module domus.test/gohttp

go 1.19
