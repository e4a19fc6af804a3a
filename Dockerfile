# smtp-probe as a small image: a Native AOT binary on runtime-deps (no .NET runtime inside).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# Native AOT links with clang and needs zlib's headers.
RUN apt-get update && apt-get install -y --no-install-recommends clang zlib1g-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN dotnet publish src/SmtpProbe.Cli -c Release -r linux-x64 -o /out

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0
COPY --from=build /out/smtp-probe /usr/local/bin/smtp-probe
COPY samples /usr/share/smtp-probe/samples
COPY schemas /usr/share/smtp-probe/schemas
USER 65532:65532
ENTRYPOINT ["smtp-probe"]
CMD ["--help"]
