module github.com/clerkgen/signintokens/internal/tools/specwatch

go 1.26.0
