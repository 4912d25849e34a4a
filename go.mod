module github.com/aiorun/aiorun

go 1.26.8
