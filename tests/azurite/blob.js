// Puts a local folder into a container of a local Azurite server, creating
// the container: the test's stand-in for an agency uploading its files.
//
//   node blob.js <blob endpoint, e.g. http://127.0.0.1:10000> <container> <folder> <prefix>
//
// Azurite's well-known development account and key are public by design.
const fs = require("fs");
const path = require("path");
const { BlobServiceClient, StorageSharedKeyCredential } = require("@azure/storage-blob");

const [endpoint, containerName, folder, prefix] = process.argv.slice(2);
const account = "devstoreaccount1";
const key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

function* files(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else yield full;
  }
}

async function main() {
  const service = new BlobServiceClient(
    `${endpoint}/${account}`,
    new StorageSharedKeyCredential(account, key),
  );
  const container = service.getContainerClient(containerName);
  await container.createIfNotExists();
  let count = 0;
  for (const file of files(folder)) {
    const name = [prefix, path.relative(folder, file).split(path.sep).join("/")].join("/");
    await container.getBlockBlobClient(name).uploadFile(file);
    count += 1;
  }
  console.log(`uploaded ${count} file(s) to ${containerName}/${prefix}`);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
